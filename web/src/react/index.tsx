// Thin React bindings: the elements as components, and hooks over
// @chinwag/core subscriptions. React is the app's own (a peer dependency);
// this module adds about a kilobyte.
//
//   const session = useMemo(() => getTalkSession({ appId, userId, host }), [appId, userId]);
//   const messages = useMessages(session, "c1");       // MessageSnapshot[] | null | undefined
//   return <Chatbox session={session} conversationId="c1" theme="dark" />;
//
// Snapshots are immutable and reused when unchanged, so React's own identity
// checks (memo, useMemo deps) skip work without any selector.

import type {
  ConversationFilter,
  ConversationSnapshot,
  MessageSnapshot,
  ParticipantSnapshot,
  TalkSession,
  TypingSnapshot,
  UserOnlineSnapshot,
  UserSnapshot,
} from "@chinwag/core";
import { type CSSProperties, useCallback, useEffect, useLayoutEffect, useRef, useSyncExternalStore } from "react";

import { defineElements } from "../elements/define.js";

interface Unsubscribable {
  unsubscribe(): void;
}

/**
 * Any @chinwag/core subscription as React state: `undefined` until the first
 * snapshot. `subscribe` is called again only when `key` changes.
 */
export function useLive<T>(
  key: string | null,
  subscribe: (onSnapshot: (snapshot: T) => void) => Unsubscribable,
): T | undefined {
  const current = useRef<{ key: string | null; value: T | undefined }>({ key, value: undefined });
  if (current.current.key !== key) current.current = { key, value: undefined };
  const latest = useRef(subscribe);
  latest.current = subscribe;
  const sub = useCallback(
    (notify: () => void) => {
      if (key === null) return () => {};
      const s = latest.current((snapshot) => {
        if (current.current.key !== key || current.current.value === snapshot) return;
        current.current = { key, value: snapshot };
        notify();
      });
      return () => s.unsubscribe();
    },
    [key],
  );
  return useSyncExternalStore(
    sub,
    () => current.current.value,
    () => undefined,
  );
}

const sessionKey = (s: TalkSession | null | undefined) => (s ? `${s.appId}\u0000${s.currentUser.id}` : null);

export function useUser(session: TalkSession | null | undefined, userId: string): UserSnapshot | null | undefined {
  const k = sessionKey(session);
  return useLive(k && `${k}\u0000${userId}`, (cb) => (session as TalkSession).user(userId).subscribe(cb));
}

export function useOnline(
  session: TalkSession | null | undefined,
  userId: string,
): UserOnlineSnapshot | null | undefined {
  const k = sessionKey(session);
  return useLive(k && `${k}\u0000${userId}`, (cb) => (session as TalkSession).user(userId).subscribeOnline(cb));
}

export function useConversation(
  session: TalkSession | null | undefined,
  conversationId: string,
): ConversationSnapshot | null | undefined {
  const k = sessionKey(session);
  return useLive(k && `${k}\u0000${conversationId}`, (cb) =>
    (session as TalkSession).conversation(conversationId).subscribe(cb),
  );
}

export function useConversations(
  session: TalkSession | null | undefined,
  filter?: ConversationFilter,
): ConversationSnapshot[] | undefined {
  const k = sessionKey(session);
  return useLive(k && `${k}\u0000${JSON.stringify(filter ?? null)}`, (cb) =>
    (session as TalkSession).subscribeConversations(filter ? { filter } : {}, (s) => cb(s)),
  );
}

export function useMessages(
  session: TalkSession | null | undefined,
  conversationId: string,
): MessageSnapshot[] | null | undefined {
  const k = sessionKey(session);
  return useLive(k && `${k}\u0000${conversationId}`, (cb) =>
    (session as TalkSession).conversation(conversationId).subscribeMessages((s) => cb(s)),
  );
}

export function useParticipants(
  session: TalkSession | null | undefined,
  conversationId: string,
): ParticipantSnapshot[] | null | undefined {
  const k = sessionKey(session);
  return useLive(k && `${k}\u0000${conversationId}`, (cb) =>
    (session as TalkSession).conversation(conversationId).subscribeParticipants((s) => cb(s)),
  );
}

export function useTyping(
  session: TalkSession | null | undefined,
  conversationId: string,
): TypingSnapshot | null | undefined {
  const k = sessionKey(session);
  return useLive(k && `${k}\u0000${conversationId}`, (cb) =>
    (session as TalkSession).conversation(conversationId).subscribeTyping(cb),
  );
}

interface ElementProps {
  session: TalkSession;
  theme?: "light" | "dark" | "auto";
  locale?: string;
  className?: string;
  style?: CSSProperties;
}

/** Renders a custom element and sets its properties (React 18 would set them as attributes). */
function useElement<E extends HTMLElement>(props: Record<string, unknown>) {
  const ref = useRef<E>(null);
  useLayoutEffect(() => {
    defineElements();
  }, []);
  useEffect(() => {
    const el = ref.current as unknown as Record<string, unknown> | null;
    if (!el) return;
    for (const [k, v] of Object.entries(props)) if (el[k] !== v) el[k] = v;
  });
  return ref;
}

export function Chatbox(props: ElementProps & { conversationId: string | null }) {
  const ref = useElement({ session: props.session, conversationId: props.conversationId });
  return (
    <chinwag-chatbox ref={ref} theme={props.theme} locale={props.locale} class={props.className} style={props.style} />
  );
}

export function Inbox(
  props: ElementProps & {
    conversationId?: string | null;
    feedFilter?: ConversationFilter | null;
    onConversationSelected?: (conversationId: string | null) => void;
  },
) {
  const ref = useElement<HTMLElement>({
    session: props.session,
    ...(props.conversationId !== undefined ? { conversationId: props.conversationId } : {}),
    feedFilter: props.feedFilter ?? null,
  });
  const handler = props.onConversationSelected;
  useEffect(() => {
    const el = ref.current;
    if (!el || !handler) return;
    const h = (e: Event) => handler((e as CustomEvent<{ conversationId: string | null }>).detail.conversationId);
    el.addEventListener("chinwag-conversation-selected", h);
    return () => el.removeEventListener("chinwag-conversation-selected", h);
  }, [handler, ref]);
  return (
    <chinwag-inbox ref={ref} theme={props.theme} locale={props.locale} class={props.className} style={props.style} />
  );
}

export function Popup(props: ElementProps & { conversationId: string | null; open?: boolean }) {
  const ref = useElement({
    session: props.session,
    conversationId: props.conversationId,
    ...(props.open !== undefined ? { open: props.open } : {}),
  });
  return (
    <chinwag-popup ref={ref} theme={props.theme} locale={props.locale} class={props.className} style={props.style} />
  );
}

type ChinwagElementAttributes = {
  ref?: React.Ref<HTMLElement>;
  theme?: string | undefined;
  locale?: string | undefined;
  class?: string | undefined;
  style?: CSSProperties | undefined;
};

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      "chinwag-chatbox": ChinwagElementAttributes;
      "chinwag-inbox": ChinwagElementAttributes;
      "chinwag-popup": ChinwagElementAttributes;
    }
  }
}
