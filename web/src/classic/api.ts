// The classic `Talk` browser API (the `talkjs` package's public type
// declarations, version 0.46), on @chinwag/core and our own elements, so that
// TalkJS's getting-started code runs against Chinwag as written:
//
//   const me = new Talk.User({ id, name, email, photoUrl, welcomeMessage, role });
//   const session = new Talk.Session({ appId, me });
//   const conversation = session.getOrCreateConversation(Talk.oneOnOneId(me, other));
//   conversation.setParticipant(me);
//   conversation.setParticipant(other);
//   const chatbox = session.createChatbox();
//   chatbox.select(conversation);
//   chatbox.mount(document.getElementById("talkjs-container"));
//
// As in TalkJS, a full `Talk.User` passed as `me` is synchronised when the
// session starts; other users, and the conversation and participants set on
// a builder, when a UI selects it (or a message is sent through it).

import {
  type Access,
  type ConversationSnapshot,
  getTalkSession,
  type MessageSnapshot,
  type NotifySetting,
  oneOnOneId,
  type SetUserParams,
  type TalkSession,
  type UserSnapshot,
} from "@chinwag/core";

import type { Chatbox } from "../elements/chatbox.js";
import { ChatContext, type SendOverride, type UiOptions } from "../elements/context.js";
import { defineElements } from "../elements/define.js";
import type { Inbox } from "../elements/inbox.js";
import type { Popup } from "../elements/popup.js";

// ------------------------------------------------------------------ users

export interface UserOptions {
  id: string | number;
  name: string;
  email?: string | string[] | null;
  phone?: string | string[] | null;
  photoUrl?: string | null;
  welcomeMessage?: string | null;
  role?: string | null;
  /** @deprecated the old name of `role`. */
  configuration?: string | null;
  custom?: Record<string, string | null> | null;
  locale?: string | null;
  /** @deprecated */
  availabilityText?: string | null;
}

export class User {
  readonly id: string;
  readonly name: string | undefined;
  readonly email: string | string[] | null | undefined;
  readonly phone: string | string[] | null | undefined;
  readonly photoUrl: string | null | undefined;
  readonly welcomeMessage: string | null | undefined;
  readonly role: string | null | undefined;
  readonly custom: Record<string, string | null> | null | undefined;
  readonly locale: string | null | undefined;
  readonly availabilityText: string | null | undefined;
  /** Whether this user carries data to synchronise, or only references a stored user (`new Talk.User(id)`). */
  readonly #full: boolean;

  constructor(idOrOptions: string | number | UserOptions) {
    if (typeof idOrOptions === "string" || typeof idOrOptions === "number") {
      this.id = String(idOrOptions);
      this.#full = false;
      this.name = undefined;
      this.email = this.phone = this.photoUrl = this.welcomeMessage = this.role = this.locale = undefined;
      this.custom = this.availabilityText = undefined;
      return;
    }
    const o = idOrOptions;
    if (o === null || typeof o !== "object" || o.id === undefined || o.id === null) {
      throw new TalkError(0, "new Talk.User: give an id, or an object with an id and a name");
    }
    this.id = String(o.id);
    this.#full = true;
    this.name = o.name;
    this.email = o.email;
    this.phone = o.phone;
    this.photoUrl = o.photoUrl;
    this.welcomeMessage = o.welcomeMessage;
    this.role = o.role ?? o.configuration;
    this.custom = o.custom;
    this.locale = o.locale;
    this.availabilityText = o.availabilityText;
    if (this.role === undefined) {
      console.warn(`Talk.User ${this.id}: no role given; the user gets the app's default role`);
    }
  }

  /**
   * @internal The fields to store: omitted (`undefined`) fields keep their
   * stored value. Another user's email and phone are left out: Chinwag lets
   * only that user, or the backend, set them (TalkJS lets any browser do it,
   * which lets anyone redirect someone's notifications).
   */
  syncParams(isMe: boolean): SetUserParams | null {
    if (!this.#full) return null;
    const p: SetUserParams = {};
    if (this.name !== undefined) p.name = String(this.name);
    if (isMe && this.email !== undefined) p.email = this.email;
    if (isMe && this.phone !== undefined) p.phone = this.phone;
    if (this.photoUrl !== undefined) p.photoUrl = this.photoUrl || null;
    if (this.welcomeMessage !== undefined) p.welcomeMessage = this.welcomeMessage || null;
    if (this.role !== undefined) p.role = this.role;
    if (this.custom !== undefined) p.custom = this.custom;
    if (this.locale !== undefined) p.locale = this.locale;
    return p;
  }
}

// ------------------------------------------------------------------ errors

export class TalkError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = "TalkError";
    this.code = code;
  }
}

// ------------------------------------------------------------------ payloads

export interface ConversationData {
  id: string;
  subject: string | null;
  photoUrl: string | null;
  custom: Record<string, string>;
  welcomeMessages: string[] | null;
  participants: Record<string, { access: Access }>;
}

export interface ClassicMessage {
  id: string;
  conversation: ConversationData;
  isByMe: boolean;
  senderId: string | null;
  sender: ClassicUserSnapshot | null;
  body: string;
  type: "text" | "media" | "location";
  timestamp: number;
  read: boolean;
  origin: string;
  custom: Record<string, string>;
  attachment: { url: string; size: number } | null;
  location: [number, number] | null;
}

export interface ClassicUserSnapshot {
  id: string;
  name: string;
  custom: Record<string, string>;
  locale: string | null;
  photoUrl: string | null;
  role: string;
  welcomeMessage: string | null;
}

export interface UnreadConversation {
  conversation: ConversationData;
  lastMessage: ClassicMessage;
  unreadMessageCount: number;
}

export interface Subscription {
  unsubscribe(): void;
}

function userData(u: UserSnapshot): ClassicUserSnapshot {
  return {
    id: u.id,
    name: u.name,
    custom: u.custom,
    locale: u.locale,
    photoUrl: u.photoUrl,
    role: u.role,
    welcomeMessage: u.welcomeMessage,
  };
}

function conversationData(c: ConversationSnapshot, me: string): ConversationData {
  return {
    id: c.id,
    subject: c.subject,
    photoUrl: c.photoUrl,
    custom: c.custom,
    welcomeMessages: c.welcomeMessages.length > 0 ? c.welcomeMessages : null,
    // As in TalkJS, these payloads list only the current user.
    participants: { [me]: { access: c.access } },
  };
}

function messageData(m: MessageSnapshot, conv: ConversationSnapshot, me: string): ClassicMessage {
  const file = m.content.find((b) => b.type === "file");
  const location = m.content.find((b) => b.type === "location");
  return {
    id: m.id,
    conversation: conversationData(conv, me),
    isByMe: m.sender?.id === me,
    senderId: m.sender?.id ?? null,
    sender: m.sender ? userData(m.sender) : null,
    body: m.plaintext,
    type: location ? "location" : file ? "media" : "text",
    timestamp: m.createdAt,
    read: m.createdAt <= conv.readUntil,
    origin: m.origin,
    custom: m.custom,
    attachment: file && file.type === "file" ? { url: file.url, size: file.size } : null,
    location: location && location.type === "location" ? [location.latitude, location.longitude] : null,
  };
}

/** A tiny event emitter for the deprecated `on`/`off` forms. */
class Handlers {
  #map = new Map<string, Set<(...args: unknown[]) => unknown>>();
  add(event: string, h: (...args: unknown[]) => unknown): Subscription {
    let set = this.#map.get(event);
    if (!set) {
      set = new Set();
      this.#map.set(event, set);
    }
    set.add(h);
    return { unsubscribe: () => set?.delete(h) };
  }
  remove(event: string, h?: (...args: unknown[]) => unknown): void {
    if (h) this.#map.get(event)?.delete(h);
    else this.#map.delete(event);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const h of [...(this.#map.get(event) ?? [])]) {
      try {
        h(...args);
      } catch (e) {
        console.error(e);
      }
    }
  }
  has(event: string): boolean {
    return (this.#map.get(event)?.size ?? 0) > 0;
  }
}

// ------------------------------------------------------------------ conversations

type ParticipantSettings = { access?: Access; notify?: NotifySetting };

export class ConversationBuilder {
  readonly id: string;
  subject: string | null | undefined = undefined;
  photoUrl: string | null | undefined = undefined;
  custom: Record<string, string | null> | null | undefined = undefined;
  welcomeMessages: string[] | null | undefined = undefined;
  readonly #session: Session;
  readonly #participants = new Map<string, { user: User; settings: ParticipantSettings }>();

  constructor(session: Session, id: string) {
    this.#session = session;
    this.id = id;
  }

  /** Adds or updates a participant when a UI selects this conversation. Omitted settings keep their stored value. */
  setParticipant(user: User, settings: ParticipantSettings = {}): void {
    if (!(user instanceof User)) throw new TalkError(0, "setParticipant: give a Talk.User");
    this.#participants.set(user.id, { user, settings: { ...settings } });
  }

  /** Sets attributes when a UI selects this conversation; `custom` keys stay unless set to null. */
  setAttributes(attrs: {
    subject?: string | null;
    photoUrl?: string | null;
    custom?: Record<string, string | null> | null;
    welcomeMessages?: string[] | null;
  }): void {
    if (attrs.subject !== undefined) this.subject = attrs.subject;
    if (attrs.photoUrl !== undefined) this.photoUrl = attrs.photoUrl;
    if (attrs.custom !== undefined)
      this.custom = attrs.custom === null ? null : { ...(this.custom ?? {}), ...attrs.custom };
    if (attrs.welcomeMessages !== undefined) this.welcomeMessages = attrs.welcomeMessages;
  }

  /** @internal Sends the builder's users, conversation and participants to the server. */
  async sync(): Promise<void> {
    const core = this.#session.core;
    const me = core.currentUser.id;
    const users = [...this.#participants.values()].map((p) => p.user).filter((u) => u.id !== me);
    await Promise.all(
      users.map((u) => {
        const params = u.syncParams(false);
        return params ? core.user(u.id).set(params) : Promise.resolve();
      }),
    );
    const conv = core.conversation(this.id);
    const attrs: Record<string, unknown> = {};
    if (this.subject !== undefined) attrs.subject = this.subject;
    if (this.photoUrl !== undefined) attrs.photoUrl = this.photoUrl;
    if (this.custom !== undefined) attrs.custom = this.custom;
    if (this.welcomeMessages !== undefined) attrs.welcomeMessages = this.welcomeMessages;
    const mine = this.#participants.get(me);
    if (mine || Object.keys(attrs).length > 0) {
      // `set` creates the conversation if needed and makes me a participant.
      await conv.set({ ...attrs, ...(mine?.settings ?? {}) });
    }
    await Promise.all(
      [...this.#participants.entries()]
        .filter(([id]) => id !== me)
        .map(([id, p]) => conv.participant(id).set(p.settings)),
    );
  }

  /** Sends a text message as the current user (after synchronising the builder). */
  async sendMessage(text: string, options: { custom?: Record<string, string> } = {}): Promise<void> {
    await this.sync();
    await this.#session.core
      .conversation(this.id)
      .send({ text, ...(options.custom ? { custom: options.custom } : {}) });
  }

  /** Leaves the conversation. */
  async leave(): Promise<boolean> {
    const core = this.#session.core;
    try {
      await core.conversation(this.id).participant(core.currentUser.id).delete();
      return true;
    } catch {
      return false;
    }
  }
}

// ------------------------------------------------------------------ UIs

/** A page element, a one-element jQuery object, or (a Popup) `{ show }`. */
type MountTarget = HTMLElement | { [index: number]: HTMLElement; length: number } | { show?: boolean } | null;

type Selectable = string | ConversationBuilder | { id: string } | null | undefined;

export interface SendMessageEvent {
  message: {
    id: undefined;
    conversationId: string;
    type: "UserMessage";
    readBy: string[];
    senderId: string;
    text: string;
    attachment: undefined;
    location: undefined;
  };
  me: ClassicUserSnapshot | { id: string };
  conversation: ConversationData | { id: string };
  override(p: SendOverride | (() => SendOverride | Promise<SendOverride>)): void;
}

/** How long an asynchronous `override` may take before the message goes out unchanged. */
const OVERRIDE_TIMEOUT_MS = 5000;

abstract class UIBox<E extends Chatbox | Inbox | Popup> {
  readonly el: E;
  protected readonly session: Session;
  protected readonly handlers = new Handlers();
  #alive = true;
  #conversation: ConversationSnapshot | null = null;
  #conversationSub: Subscription | null = null;

  constructor(session: Session, el: E, ctx: ChatContext) {
    this.session = session;
    this.el = el;
    (el as unknown as { session: unknown }).session = ctx;
    ctx.beforeSend = (draft) => this.#beforeSend(draft);
  }

  get isAlive(): boolean {
    return this.#alive;
  }

  /** The selected conversation, as the classic API describes it. */
  get currentConversation(): ConversationData | null {
    return this.#conversation ? conversationData(this.#conversation, this.session.core.currentUser.id) : null;
  }

  protected abstract display(id: string | null | undefined): void;

  protected abstract get chatbox(): Chatbox | null;

  /** Shows a conversation: an id, a builder (synchronised first), a conversation object, null (none) or undefined (the latest). */
  async select(conversation: Selectable, _options: { asGuest?: boolean; messageId?: string } = {}): Promise<void> {
    let id: string | null | undefined;
    if (conversation instanceof ConversationBuilder) {
      await conversation
        .sync()
        .catch((e: Error) => console.error(`Chinwag: could not synchronise conversation ${conversation.id}:`, e));
      id = conversation.id;
    } else if (typeof conversation === "string") id = conversation;
    else if (conversation === null) id = null;
    else if (conversation === undefined) id = undefined;
    else id = String(conversation.id);
    this.#follow(id ?? null);
    this.display(id);
  }

  #follow(id: string | null): void {
    this.#conversationSub?.unsubscribe();
    this.#conversationSub = null;
    this.#conversation = null;
    if (!id) return;
    this.#conversationSub = this.session.core.conversation(id).subscribe((c) => {
      this.#conversation = c;
    });
  }

  /** Puts the UI into a page element (or a one-element jQuery object). */
  async mount(target?: MountTarget): Promise<void> {
    const el =
      target && !(target instanceof HTMLElement) && "length" in target && typeof target.length === "number"
        ? target[0]
        : target;
    if (!(el instanceof HTMLElement)) throw new TalkError(0, "mount: give a page element to mount into");
    el.replaceChildren(this.el);
    await (this.el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
  }

  destroy(): void {
    this.#alive = false;
    this.#conversationSub?.unsubscribe();
    this.el.remove();
    this.session.forget(this);
  }

  /** The message field of the chat that is shown. */
  get messageField() {
    const composer = () => this.chatbox?.composer ?? null;
    return {
      focus: () => composer()?.focus(),
      setText: (text: string) => composer()?.setText(text),
      typeText: (text: string) => composer()?.setText((composer()?.text ?? "") + text),
      getText: () => composer()?.text ?? "",
      setVisible: (visible: boolean) => {
        const ctx = this.chatbox?.ctx;
        if (ctx) {
          ctx.options.messageField.visible = visible !== false;
          this.chatbox?.requestUpdate();
        }
      },
    };
  }

  onSendMessage(handler: (event: SendMessageEvent) => void): Subscription {
    return this.handlers.add("sendMessage", handler as (...a: unknown[]) => unknown);
  }

  onFocus(handler: () => void): Subscription {
    return this.#domEvent("focusin", handler);
  }

  onBlur(handler: () => void): Subscription {
    return this.#domEvent("focusout", handler);
  }

  #domEvent(type: string, handler: () => void): Subscription {
    const h = () => handler();
    this.el.addEventListener(type, h);
    return { unsubscribe: () => this.el.removeEventListener(type, h) };
  }

  /** @deprecated the event forms: "sendMessage", "focus", "blur", and the UI's own. */
  on(event: string, handler: (...args: unknown[]) => void): void {
    if (event === "focus") this.onFocus(handler);
    else if (event === "blur") this.onBlur(handler);
    else this.handlers.add(event, handler);
  }

  off(event: string, handler?: (...args: unknown[]) => void): void {
    this.handlers.remove(event, handler);
  }

  async #beforeSend(draft: { conversationId: string; text: string }): Promise<SendOverride | undefined> {
    if (!this.handlers.has("sendMessage")) return undefined;
    const me = this.session.core.currentUser.id;
    let override: SendOverride | (() => SendOverride | Promise<SendOverride>) | undefined;
    const event: SendMessageEvent = {
      message: {
        id: undefined,
        conversationId: draft.conversationId,
        type: "UserMessage",
        readBy: [],
        senderId: me,
        text: draft.text,
        attachment: undefined,
        location: undefined,
      },
      me: this.session.meSnapshot ?? { id: me },
      conversation: this.currentConversation ?? { id: draft.conversationId },
      override: (p) => {
        override = p;
      },
    };
    this.handlers.emit("sendMessage", event);
    if (!override) return undefined;
    const value = typeof override === "function" ? override() : override;
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), OVERRIDE_TIMEOUT_MS));
    return (await Promise.race([Promise.resolve(value).catch(() => undefined), timeout])) ?? undefined;
  }
}

export class ChatboxUI extends UIBox<Chatbox> {
  protected display(id: string | null | undefined): void {
    this.el.conversationId = id ?? null;
  }

  protected get chatbox(): Chatbox | null {
    return this.el;
  }
}

export interface SelectConversationEvent {
  me: ClassicUserSnapshot | { id: string };
  conversation: { id: string };
  participants: unknown[];
  others: unknown[];
  preventDefault(): void;
}

export class InboxUI extends UIBox<Inbox> {
  constructor(session: Session, el: Inbox, ctx: ChatContext) {
    super(session, el, ctx);
    el.addEventListener("chinwag-select-conversation", (e) => {
      const id = (e as CustomEvent<{ conversationId: string | null }>).detail.conversationId;
      if (id === null) return;
      const ev: SelectConversationEvent = {
        me: session.meSnapshot ?? { id: session.core.currentUser.id },
        conversation: { id },
        participants: [],
        others: [],
        preventDefault: () => e.preventDefault(),
      };
      this.handlers.emit("selectConversation", ev);
    });
    el.addEventListener("chinwag-conversation-selected", (e) => {
      const id = (e as CustomEvent<{ conversationId: string | null }>).detail.conversationId;
      this.handlers.emit("conversationSelected", {
        me: session.meSnapshot ?? { id: session.core.currentUser.id },
        conversation: id === null ? null : { id },
        participants: [],
        others: [],
      });
    });
  }

  protected display(id: string | null | undefined): void {
    this.el.select(id);
  }

  protected get chatbox(): Chatbox | null {
    return this.el.chatbox;
  }

  onSelectConversation(handler: (event: SelectConversationEvent) => void): Subscription {
    return this.handlers.add("selectConversation", handler as (...a: unknown[]) => unknown);
  }

  onConversationSelected(handler: (event: { conversation: { id: string } | null }) => void): Subscription {
    return this.handlers.add("conversationSelected", handler as (...a: unknown[]) => unknown);
  }

  setFeedFilter(filter: InboxOptions["feedFilter"]): void {
    this.el.feedFilter = filter ?? null;
  }
}

export class PopupUI extends UIBox<Popup> {
  constructor(session: Session, el: Popup, ctx: ChatContext) {
    super(session, el, ctx);
    el.addEventListener("chinwag-open", () => this.handlers.emit("open"));
    el.addEventListener("chinwag-close", () => this.handlers.emit("close"));
  }

  protected display(id: string | null | undefined): void {
    this.el.conversationId = id ?? null;
  }

  protected get chatbox(): Chatbox | null {
    return this.el.chatbox;
  }

  /** A popup mounts onto the page itself: `mount({ show: true })` opens it at once. */
  override async mount(target?: MountTarget): Promise<void> {
    if (target instanceof HTMLElement) {
      target.append(this.el);
    } else {
      document.body.append(this.el);
      if (target && "show" in target && target.show) this.el.show();
    }
    await this.el.updateComplete;
  }

  show(): void {
    if (this.el.isConnected) this.el.show();
  }

  hide(): void {
    if (this.el.isConnected) this.el.hide();
  }

  onOpen(handler: () => void): Subscription {
    return this.handlers.add("open", handler);
  }

  onClose(handler: () => void): Subscription {
    return this.handlers.add("close", handler);
  }
}

export interface ChatboxOptions {
  showChatHeader?: boolean;
  messageField?: Partial<UiOptions["messageField"]>;
  theme?: string | { name: string };
  presence?: { visible?: boolean };
  dir?: "ltr" | "rtl";
  locale?: string;
}

export interface InboxOptions extends ChatboxOptions {
  selected?: Selectable;
  showFeedHeader?: boolean;
  feedFilter?: import("@chinwag/core").ConversationFilter | null;
}

export interface PopupOptions extends ChatboxOptions {
  keepOpen?: boolean;
  launcher?: "close-only" | "always" | "never";
  showCloseInHeader?: boolean;
}

// ------------------------------------------------------------------ sessions

export interface SessionOptions {
  appId: string;
  me?: User;
  userId?: string;
  token?: string;
  tokenFetcher?: () => string | Promise<string>;
  signature?: string;
  /** Chinwag: the server's host or origin; by default the one `talk.js` was loaded from. */
  host?: string;
}

let defaultHost: string | undefined;

/** @internal Where sessions connect when they are not told: set by the `talk.js` loader to its own origin. */
export function setDefaultHost(host: string | undefined): void {
  defaultHost = host;
}

function themeName(theme: ChatboxOptions["theme"]): UiOptions["theme"] {
  const name = typeof theme === "string" ? theme : theme?.name;
  return name === "dark" || name === "auto" ? name : "light";
}

export class Session {
  readonly appId: string;
  readonly me: User;
  readonly core: TalkSession;
  /** @internal The current user as last seen, for event payloads. */
  meSnapshot: ClassicUserSnapshot | null = null;
  #alive = true;
  readonly #builders = new Map<string, ConversationBuilder>();
  readonly #uis = new Set<UIBox<Chatbox | Inbox | Popup>>();
  readonly #subs: Subscription[] = [];
  readonly #messageHandlers = new Handlers();
  #unreads: Unreads | null = null;
  #watchingMessages = false;

  constructor(options: SessionOptions) {
    if (!options || typeof options.appId !== "string" || options.appId === "") {
      throw new TalkError(0, "new Talk.Session: appId is required");
    }
    const me = options.me ?? (options.userId !== undefined ? new User(options.userId) : null);
    if (!(me instanceof User)) throw new TalkError(0, "new Talk.Session: give `me` (a Talk.User) or `userId`");
    defineElements();
    this.appId = options.appId;
    this.me = me;
    const host = options.host ?? defaultHost ?? (typeof location !== "undefined" ? location.origin : undefined);
    this.core = getTalkSession({
      appId: options.appId,
      userId: me.id,
      forceCreateNew: true,
      ...(host ? { host } : {}),
      ...(options.token ? { token: options.token } : {}),
      ...(options.signature ? { signature: options.signature } : {}),
      ...(options.tokenFetcher ? { tokenFetcher: options.tokenFetcher } : {}),
    });
    const params = me.syncParams(true);
    if (params) {
      this.core.currentUser
        .set(params)
        .catch((e: Error) => console.error(`Chinwag: could not synchronise user ${me.id}:`, e));
    }
    this.#subs.push(
      this.core.currentUser.subscribe((u) => {
        this.meSnapshot = u ? userData(u) : null;
      }),
    );
  }

  get isAlive(): boolean {
    return this.#alive;
  }

  get currentUser() {
    return this.core.currentUser;
  }

  /** The unread conversations: `session.unreads.onChange(list => …)`. */
  get unreads(): Unreads {
    this.#unreads ??= new Unreads(this);
    return this.#unreads;
  }

  getOrCreateConversation(id: string | number): ConversationBuilder {
    const key = String(id);
    let b = this.#builders.get(key);
    if (!b) {
      b = new ConversationBuilder(this, key);
      this.#builders.set(key, b);
    }
    return b;
  }

  #context(options: ChatboxOptions | undefined): ChatContext {
    const o = options ?? {};
    return new ChatContext(this.core, {
      locale: o.locale ?? null,
      options: {
        ...(o.showChatHeader !== undefined ? { showChatHeader: o.showChatHeader } : {}),
        ...(o.messageField ? { messageField: { ...o.messageField } as UiOptions["messageField"] } : {}),
        ...(o.presence?.visible === false ? { presence: false } : {}),
        theme: themeName(o.theme),
        ...(o.dir ? { dir: o.dir } : {}),
      },
    });
  }

  #split<O>(a: unknown, b: unknown): { builder: ConversationBuilder | null; options: O | undefined } {
    if (a instanceof ConversationBuilder) return { builder: a, options: b as O | undefined };
    return { builder: null, options: a as O | undefined };
  }

  #register<U extends UIBox<Chatbox | Inbox | Popup>>(ui: U, theme: ChatboxOptions["theme"]): U {
    const name = themeName(theme);
    if (name !== "light") ui.el.setAttribute("theme", name);
    this.#uis.add(ui);
    return ui;
  }

  createChatbox(a?: ConversationBuilder | ChatboxOptions, b?: ChatboxOptions): ChatboxUI {
    const { builder, options } = this.#split<ChatboxOptions>(a, b);
    const el = document.createElement("chinwag-chatbox") as Chatbox;
    const ui = this.#register(new ChatboxUI(this, el, this.#context(options)), options?.theme);
    if (builder) void ui.select(builder);
    return ui;
  }

  createInbox(a?: ConversationBuilder | InboxOptions, b?: InboxOptions): InboxUI {
    const { builder, options } = this.#split<InboxOptions>(a, b);
    const el = document.createElement("chinwag-inbox") as Inbox;
    if (options?.showFeedHeader === false) el.showFeedHeader = false;
    if (options?.feedFilter) el.feedFilter = options.feedFilter;
    const ui = this.#register(new InboxUI(this, el, this.#context(options)), options?.theme);
    const selected = builder ?? options?.selected;
    if (selected !== undefined) void ui.select(selected);
    return ui;
  }

  createPopup(a?: ConversationBuilder | PopupOptions, b?: PopupOptions): PopupUI {
    const { builder, options } = this.#split<PopupOptions>(a, b);
    const el = document.createElement("chinwag-popup") as Popup;
    if (options?.launcher) el.launcher = options.launcher;
    const ui = this.#register(new PopupUI(this, el, this.#context(options)), options?.theme);
    if (builder) void ui.select(builder);
    return ui;
  }

  getChatboxes(): ChatboxUI[] {
    return [...this.#uis].filter((u): u is ChatboxUI => u instanceof ChatboxUI);
  }

  getInboxes(): InboxUI[] {
    return [...this.#uis].filter((u): u is InboxUI => u instanceof InboxUI);
  }

  getPopups(): PopupUI[] {
    return [...this.#uis].filter((u): u is PopupUI => u instanceof PopupUI);
  }

  /** @internal */
  forget(ui: UIBox<Chatbox | Inbox | Popup>): void {
    this.#uis.delete(ui);
  }

  /**
   * Every message the current user sends or receives while the session
   * lives, UI or not (from the conversation list's latest messages).
   */
  onMessage(handler: (message: ClassicMessage) => void): Subscription {
    const sub = this.#messageHandlers.add("message", handler as (...a: unknown[]) => unknown);
    if (!this.#watchingMessages) {
      this.#watchingMessages = true;
      this.#watchMessages();
    }
    return sub;
  }

  #watchMessages(): void {
    const seen = new Map<string, string>();
    let primed = false;
    this.#subs.push(
      this.core.subscribeConversations((list) => {
        const me = this.core.currentUser.id;
        for (const c of list) {
          const last = c.lastMessage;
          if (!last) continue;
          const before = seen.get(c.id);
          seen.set(c.id, last.id);
          if (primed && before !== last.id) this.#messageHandlers.emit("message", messageData(last, c, me));
        }
        primed = true;
      }),
    );
  }

  /** @deprecated `on("message", h)`. */
  on(event: string, handler: (message: ClassicMessage) => void): void {
    if (event === "message") this.onMessage(handler);
  }

  off(event: string, handler?: (message: ClassicMessage) => void): void {
    this.#messageHandlers.remove(event, handler as ((...a: unknown[]) => unknown) | undefined);
  }

  /** Whether the session's credentials are accepted by the server. */
  async hasValidCredentials(): Promise<boolean> {
    try {
      await this.core.currentUser.get();
      return true;
    } catch {
      return false;
    }
  }

  /** Ends the session: closes its connection and removes every UI it made. */
  destroy(): void {
    if (!this.#alive) return;
    this.#alive = false;
    for (const ui of [...this.#uis]) ui.destroy();
    for (const s of this.#subs) s.unsubscribe();
    this.#unreads?.stop();
    this.core.destroy();
  }

  // The Data API, passed through, as the classic session offers it too.
  user(id: string) {
    return this.core.user(id);
  }

  conversation(id: string) {
    return this.core.conversation(id);
  }
}

/** `session.unreads`: the unread conversations, on startup and on every change. */
export class Unreads {
  readonly #session: Session;
  readonly #handlers = new Handlers();
  #sub: Subscription | null = null;
  #last: UnreadConversation[] | null = null;

  constructor(session: Session) {
    this.#session = session;
  }

  onChange(handler: (unreads: UnreadConversation[]) => void): Subscription {
    const sub = this.#handlers.add("change", handler as (...a: unknown[]) => unknown);
    this.#start();
    if (this.#last) handler(this.#last);
    return sub;
  }

  /** @deprecated `on("change", h)`. */
  on(event: string, handler: (unreads: UnreadConversation[]) => void): void {
    if (event === "change") this.onChange(handler);
  }

  off(event: string, handler?: (unreads: UnreadConversation[]) => void): void {
    this.#handlers.remove(event, handler as ((...a: unknown[]) => unknown) | undefined);
  }

  #start(): void {
    if (this.#sub) return;
    const core = this.#session.core;
    this.#sub = core.subscribeConversations({ filter: { isUnread: true, hasMessages: true } }, (list) => {
      const me = core.currentUser.id;
      this.#last = list
        .filter((c) => c.lastMessage !== null)
        .map((c) => ({
          conversation: conversationData(c, me),
          lastMessage: messageData(c.lastMessage as MessageSnapshot, c, me),
          unreadMessageCount: c.unreadMessageCount,
        }));
      this.#handlers.emit("change", this.#last);
    });
  }

  /** @internal */
  stop(): void {
    this.#sub?.unsubscribe();
    this.#sub = null;
  }
}

export { oneOnOneId };
