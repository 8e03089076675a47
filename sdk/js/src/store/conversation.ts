// Everything the store holds about one conversation: the current user's
// view of it (the "side"), its messages, participants, typing and reactions.
// Events about a conversation are routed here by its id, so applying one
// touches only this conversation's entries.

import type { ServerEvent } from "../connection.js";
import type { ConversationSnapshot } from "../types.js";
import { path } from "../urls.js";
import type { Store } from "./index.js";
import { MessageEntity, MessageWindow } from "./messages.js";
import { ParticipantEntity, ParticipantWindow, SingleParticipant } from "./participants.js";
import { ReactionsResource } from "./reactions.js";
import { Resource } from "./resource.js";
import { Derived, Failure, isPending, LOADING, type Pending, read, Source, sameFields } from "./signals.js";
import { TypingResource } from "./typing.js";
import { applyDiff, isAbsent, type WireMessage, type WireParticipant, type WireSide } from "./wire.js";

/** The 14 fields of a conversation as the current user sees it, frozen. */
export function sideOf(w: WireSide): WireSide {
  return Object.freeze({
    id: w.id,
    subject: w.subject ?? null,
    photoUrl: w.photoUrl ?? null,
    welcomeMessages: Object.freeze([...(w.welcomeMessages ?? [])]) as string[],
    custom: Object.freeze({ ...(w.custom ?? {}) }),
    createdAt: w.createdAt,
    joinedAt: w.joinedAt,
    lastMessageAt: w.lastMessageAt,
    unreadMessageCount: w.unreadMessageCount,
    isUnread: w.isUnread,
    access: w.access,
    notify: w.notify,
    readUntil: w.readUntil,
    everyoneReadUntil: w.everyoneReadUntil,
  });
}

export class ConvStore {
  /** The current user's view; `null` when not a participant (or no such conversation). */
  readonly side = new Source<WireSide | null | Pending>(LOADING);
  #sideHolders = 0;
  readonly messages = new Map<string, MessageEntity>();
  readonly participants = new Map<string, ParticipantEntity>();
  window: MessageWindow | undefined;
  participantWindow: ParticipantWindow | undefined;
  readonly singleParticipants = new Map<string, SingleParticipant>();
  typing: TypingResource | undefined;
  readonly reactions = new Map<string, ReactionsResource>();
  sideResource: SideResource | undefined;
  #entity: ConversationEntity | undefined;

  constructor(
    readonly store: Store,
    readonly id: string,
  ) {}

  /** `/me/conversations/{cid}` followed by `rest`. */
  path(...rest: string[]): string {
    return path("me", "conversations", this.id, ...rest);
  }

  // ------------------------------------------------------------ the side

  /** Someone keeps the side fresh (a conversation subscription or a list holding it). */
  holdSide(): void {
    this.#sideHolders++;
  }

  releaseSide(): void {
    if (--this.#sideHolders > 0) return;
    this.#sideHolders = 0;
    this.side.set(LOADING);
    this.store.maybeForget(this);
  }

  get sideHeld(): boolean {
    return this.#sideHolders > 0;
  }

  setSide(w: WireSide | null): void {
    if (this.#sideHolders > 0) this.side.set(w === null ? null : sideOf(w));
  }

  /** The conversation snapshot, acquired (release it when done). */
  acquireEntity(): ConversationEntity {
    this.#entity ??= new ConversationEntity(this);
    this.#entity.acquire();
    return this.#entity;
  }

  entityGone(e: ConversationEntity): void {
    if (this.#entity === e) this.#entity = undefined;
    this.store.maybeForget(this);
  }

  acquireSideResource(): SideResource {
    this.sideResource ??= new SideResource(this);
    this.sideResource.acquire();
    return this.sideResource;
  }

  // ------------------------------------------------------------ messages

  /** The message window, acquired; `forList` when a public message list shows it (not just `lastMessage`). */
  acquireWindow(forList = false): MessageWindow {
    this.window ??= new MessageWindow(this);
    if (forList) this.window.attachList();
    this.window.acquire();
    return this.window;
  }

  /** The entry for message `id`, acquired; fetched if it is not known yet. */
  acquireMessage(id: string, known?: WireMessage): MessageEntity {
    let m = this.messages.get(id);
    if (!m) {
      m = new MessageEntity(this, id);
      this.messages.set(id, m);
    }
    m.acquire();
    if (known) m.set(known);
    else m.ensureLoaded();
    return m;
  }

  // ------------------------------------------------------------ participants

  acquireParticipant(userId: string, known?: WireParticipant | null): ParticipantEntity {
    let p = this.participants.get(userId);
    if (!p) {
      p = new ParticipantEntity(this, userId);
      this.participants.set(userId, p);
    }
    p.acquire();
    if (known !== undefined) p.set(known);
    return p;
  }

  acquireParticipantWindow(): ParticipantWindow {
    this.participantWindow ??= new ParticipantWindow(this);
    this.participantWindow.acquire();
    return this.participantWindow;
  }

  acquireSingleParticipant(userId: string): SingleParticipant {
    let s = this.singleParticipants.get(userId);
    if (!s) {
      s = new SingleParticipant(this, userId);
      this.singleParticipants.set(userId, s);
    }
    s.acquire();
    return s;
  }

  acquireTyping(): TypingResource {
    this.typing ??= new TypingResource(this);
    this.typing.acquire();
    return this.typing;
  }

  acquireReactions(messageId: string, emoji: string): ReactionsResource {
    const key = `${messageId}\n${emoji}`;
    let r = this.reactions.get(key);
    if (!r) {
      r = new ReactionsResource(this, messageId, emoji);
      this.reactions.set(key, r);
    }
    r.acquire();
    return r;
  }

  /** Whether nothing is held here any more (so the store can let go of it). */
  get empty(): boolean {
    return (
      this.#sideHolders === 0 &&
      !this.#entity &&
      !this.sideResource &&
      !this.window &&
      !this.participantWindow &&
      !this.typing &&
      this.messages.size === 0 &&
      this.participants.size === 0 &&
      this.singleParticipants.size === 0 &&
      this.reactions.size === 0
    );
  }

  // ------------------------------------------------------------ events

  apply(e: ServerEvent): void {
    switch (e.type) {
      case "side.created":
        this.setSide(e.state as WireSide);
        // Stores that found nothing (not a participant) look again.
        this.window?.joined();
        this.participantWindow?.joined();
        for (const s of this.singleParticipants.values()) s.joined();
        for (const r of this.reactions.values()) r.joined();
        break;
      case "side.edited":
      case "conversation.edited":
        this.#editSide(e.diff as Record<string, unknown>);
        break;
      case "side.deleted":
        this.setSide(null);
        this.window?.left();
        this.participantWindow?.left();
        for (const s of this.singleParticipants.values()) s.left();
        this.typing?.left();
        for (const r of this.reactions.values()) r.left();
        break;
      case "participant.created": {
        const userId = e.userId as string;
        const state = e.state as WireParticipant;
        this.participants.get(userId)?.set(state);
        this.participantWindow?.created(userId, state);
        break;
      }
      case "participant.edited": {
        const userId = e.userId as string;
        const diff = e.diff as Record<string, unknown>;
        this.participants.get(userId)?.edited(diff);
        if (userId === this.store.me) this.#editSide(diff);
        break;
      }
      case "participant.deleted": {
        const userId = e.userId as string;
        this.participants.get(userId)?.set(null);
        this.participantWindow?.deleted(userId);
        break;
      }
      case "message.created":
        this.window?.created(e.state as WireMessage);
        break;
      case "message.edited":
        this.messages.get(e.messageId as string)?.edited(e.diff as Record<string, unknown>);
        break;
      case "message.deleted": {
        const id = e.messageId as string;
        this.messages.get(id)?.set(null);
        this.window?.deleted(id, (e.newLastMessage as WireMessage | null | undefined) ?? null);
        for (const r of this.reactions.values()) if (r.messageId === id) r.left();
        break;
      }
      case "conversation.cleared":
        for (const m of this.messages.values()) m.set(null);
        this.window?.cleared();
        break;
      case "typing.available":
        this.typing?.available(e.state as Record<string, unknown>);
        break;
      case "typing.changed":
        this.typing?.changed(e.diff as Record<string, unknown>);
        break;
      case "reaction.added":
      case "reaction.removed": {
        const r = this.reactions.get(`${e.messageId as string}\n${e.emoji as string}`);
        if (e.type === "reaction.added") r?.added(e.userId as string, e.createdAt as number);
        else r?.removed(e.userId as string);
        break;
      }
    }
  }

  #editSide(diff: Record<string, unknown>): void {
    const side = this.side.peek();
    if (side !== null && !isPending(side)) this.side.set(sideOf(applyDiff(side, diff)));
  }

  /** Stops every resource of this conversation (the session ended). */
  dropAll(): void {
    this.sideResource?.drop();
    this.window?.drop();
    this.participantWindow?.drop();
    for (const s of [...this.singleParticipants.values()]) s.drop();
    this.typing?.drop();
    for (const r of [...this.reactions.values()]) r.drop();
  }

  /** Fetches everything held again (the connection was re-established). */
  resync(): void {
    this.sideResource?.resync();
    this.window?.resync();
    this.participantWindow?.resync();
    for (const s of this.singleParticipants.values()) s.resync();
    this.typing?.resync();
    for (const r of this.reactions.values()) r.resync();
    for (const m of this.messages.values()) m.resync();
  }
}

/**
 * The conversation snapshot: the side plus the newest message, rebuilt when
 * either changes and reused (the same object) when neither did.
 */
export class ConversationEntity {
  #refs = 0;
  #window: MessageWindow | undefined;
  readonly snapshot: Derived<ConversationSnapshot | null>;

  constructor(readonly conv: ConvStore) {
    this.snapshot = new Derived(() => {
      const side = read(this.conv.side);
      if (side === null || !this.#window) return null;
      const lastMessage = read(this.#window.lastMessage);
      return Object.freeze({ ...side, lastMessage }) as ConversationSnapshot;
    }, sameFields);
  }

  acquire(): void {
    if (this.#refs++ === 0) this.#window = this.conv.acquireWindow();
  }

  release(): void {
    if (--this.#refs > 0) return;
    this.snapshot.dispose();
    this.#window?.release();
    this.#window = undefined;
    this.conv.entityGone(this);
  }
}

/** `ConversationRef.subscribe`: `/me/conversations/{cid}`. */
export class SideResource extends Resource {
  #entity: ConversationEntity | undefined;

  constructor(readonly conv: ConvStore) {
    super();
  }

  /** The conversation snapshot (while acquired). */
  get snapshot(): Derived<ConversationSnapshot | null> {
    if (!this.#entity) throw new Error("SideResource.snapshot read while not acquired");
    return this.#entity.snapshot;
  }

  protected start(): void {
    this.conv.holdSide();
    this.#entity = this.conv.acquireEntity();
    this.conv.store.conn.subscribe(this.conv.path());
    this.#fetch();
  }

  protected stop(): void {
    this.conv.store.conn.unsubscribe(this.conv.path());
    this.#entity?.release();
    this.#entity = undefined;
    if (this.conv.sideResource === this) this.conv.sideResource = undefined;
    this.conv.releaseSide();
  }

  resync(): void {
    this.#fetch();
  }

  #fetch(): void {
    const generation = this.generation;
    this.conv.store.conn.fetch(
      "GET",
      this.conv.path(),
      {},
      "Get conversation",
      (data) => {
        if (generation === this.generation) this.conv.setSide(data as WireSide);
      },
      (error: Error) => {
        if (generation !== this.generation) return;
        if (isAbsent(error)) this.conv.setSide(null);
        else if (this.conv.sideHeld) this.conv.side.set(new Failure(error));
      },
    );
  }
}
