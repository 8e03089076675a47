// A lit ReactiveController that holds one @chinwag/core subscription for an
// element: it subscribes while the element is connected and its key (say, the
// conversation id) is set, re-subscribes when the key changes, and asks for a
// render only when the snapshot is a different object. The SDK reuses
// unchanged snapshots, so that identity check is all the diffing needed.

import type { ConversationRef } from "@chinwag/core";
import type { ReactiveController, ReactiveControllerHost } from "lit";

import type { ChatContext } from "./context.js";

interface Unsubscribable {
  unsubscribe(): void;
}

export type Start<T> = (onSnapshot: (snapshot: T, loadedAll?: boolean) => void) => Unsubscribable;

export class Live<T> implements ReactiveController {
  /** The latest snapshot; `undefined` until the first one arrives. */
  value: T | undefined = undefined;
  loadedAll = false;
  #host: ReactiveControllerHost;
  #sub: Unsubscribable | null = null;
  #key: string | null = null;
  #start: Start<T> | null = null;
  #connected = false;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** The subscription as it should be now: a new key (or null) replaces the old one. */
  follow(key: string | null, start: Start<T> | null): void {
    if (key === this.#key) return;
    this.#stop();
    this.#key = key;
    this.#start = start;
    this.value = undefined;
    this.loadedAll = false;
    if (this.#connected) this.#begin();
  }

  /**
   * The subscription to one conversation as the context's user sees it
   * (none without a context or an id); `subscribe` picks what of it.
   */
  followConversation(
    ctx: ChatContext | null,
    id: string | null,
    subscribe: (ref: ConversationRef, onSnapshot: (snapshot: T, loadedAll?: boolean) => void) => Unsubscribable,
  ): void {
    const key = ctx && id ? conversationKey(ctx, id) : null;
    if (key === this.#key) return;
    this.follow(key, ctx && id ? (cb) => subscribe(ctx.session.conversation(id), cb) : null);
  }

  get key(): string | null {
    return this.#key;
  }

  /** The subscription object, for `loadMore`. */
  get subscription(): Unsubscribable | null {
    return this.#sub;
  }

  hostConnected(): void {
    this.#connected = true;
    this.#begin();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#stop();
  }

  #begin(): void {
    if (this.#sub || this.#key === null || !this.#start) return;
    const key = this.#key;
    this.#sub = this.#start((snapshot, loadedAll) => {
      if (key !== this.#key) return;
      const all = loadedAll ?? false;
      if (snapshot === this.value && all === this.loadedAll) return;
      this.value = snapshot;
      this.loadedAll = all;
      this.#host.requestUpdate();
    });
  }

  #stop(): void {
    this.#sub?.unsubscribe();
    this.#sub = null;
  }
}

/** Which user's view of which conversation: the key a `Live` follows. */
export function conversationKey(ctx: ChatContext, id: string): string {
  return `${ctx.me}\u0000${id}`;
}
