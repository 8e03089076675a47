// Messages: one entry per message (shared by the window, replies that quote
// it and `MessageRef.get`), and the window of a conversation's newest
// messages that grows into the past with `loadMore` and at the top with new
// messages.

import type { Connection } from "../connection.js";
import type { ContentBlock } from "../content.js";
import { plaintext } from "../markup/index.js";
import type { MessageSnapshot, ReactionsSummarySnapshot, ReferencedMessageSnapshot } from "../types.js";
import type { ConvStore } from "./conversation.js";
import { Derived, Failure, isPending, LOADING, type Pending, read, SnapshotList, Source } from "./signals.js";
import type { UserResource } from "./users.js";
import { PagedWindow, pageSize } from "./window.js";
import { isAbsent, patchCustom, type WireMessage, type WirePage, type WireReaction } from "./wire.js";

/** The first page of a window that only feeds `lastMessage`, and of a public one. */
export const LAST_MESSAGE_LIMIT = 1;
export const MESSAGE_PAGE = 30;
export const MAX_MESSAGE_PAGE = 100;

const plaintextCache = new WeakMap<readonly ContentBlock[], string>();

/** The plain text of a message's content (cached: content is shared between snapshots). */
function plaintextOf(content: readonly ContentBlock[]): string {
  let text = plaintextCache.get(content);
  if (text === undefined) {
    text = plaintext(content);
    plaintextCache.set(content, text);
  }
  return text;
}

const NO_REACTIONS: ReactionsSummarySnapshot[] = Object.freeze([]) as unknown as ReactionsSummarySnapshot[];

/** The reaction summary: one entry per emoji, in the order they were first used. */
function reactionsOf(map: Record<string, WireReaction>): ReactionsSummarySnapshot[] {
  const entries = Object.entries(map);
  if (entries.length === 0) return NO_REACTIONS;
  entries.sort(([ea, a], [eb, b]) => a.createdAt - b.createdAt || (ea < eb ? -1 : ea > eb ? 1 : 0));
  return Object.freeze(
    entries.map(([emoji, r]) => Object.freeze({ emoji, count: r.count, currentUserReacted: r.currentUserReacted })),
  ) as ReactionsSummarySnapshot[];
}

/** Applies a `message.edited` diff. */
function editMessage(w: WireMessage, diff: Record<string, unknown>): WireMessage {
  const next: Record<string, unknown> = { ...w };
  for (const [k, v] of Object.entries(diff)) {
    if (k === "custom") next.custom = patchCustom(w.custom, v as Record<string, string | null> | null);
    else if (k === "reactions") next.reactions = patchReactions(w.reactions, v as Record<string, unknown> | null);
    else next[k] = v;
  }
  return next as unknown as WireMessage;
}

function patchReactions(
  reactions: Record<string, WireReaction>,
  patch: Record<string, unknown> | null,
): Record<string, WireReaction> {
  if (patch === null) return {};
  const out: Record<string, WireReaction> = { ...reactions };
  for (const [emoji, v] of Object.entries(patch)) {
    const change = v as Partial<WireReaction> | null;
    if (change === null || change.count === 0) {
      delete out[emoji];
      continue;
    }
    const old = out[emoji];
    out[emoji] = {
      count: change.count ?? old?.count ?? 0,
      currentUserReacted: change.currentUserReacted ?? old?.currentUserReacted ?? false,
      createdAt: change.createdAt ?? old?.createdAt ?? 0,
    };
  }
  return out;
}

export class MessageEntity {
  #refs = 0;
  readonly wire = new Source<WireMessage | null | Pending>(LOADING);
  #sender: UserResource | undefined;
  #referenced: MessageEntity | undefined;
  #fetching = false;
  readonly snapshot: Derived<MessageSnapshot | null>;
  readonly asReferenced: Derived<ReferencedMessageSnapshot | null>;

  constructor(
    readonly conv: ConvStore,
    readonly id: string,
  ) {
    this.snapshot = new Derived(() => {
      const w = read(this.wire);
      if (w === null) return null;
      const sender = this.#sender ? read(this.#sender.value) : null;
      let referencedMessage: ReferencedMessageSnapshot | null = null;
      if (this.#referenced) {
        const r = this.#referenced.asReferenced.get();
        if (r === LOADING) throw LOADING;
        // A quoted message that cannot be read is shown as no quote.
        referencedMessage = r instanceof Failure ? null : r;
      }
      return Object.freeze({
        id: w.id,
        type: w.type,
        sender,
        custom: w.custom,
        createdAt: w.createdAt,
        editedAt: w.editedAt,
        referencedMessage,
        origin: w.origin,
        plaintext: plaintextOf(w.content),
        content: w.content,
        reactions: reactionsOf(w.reactions),
      });
    });
    this.asReferenced = new Derived(() => {
      const w = read(this.wire);
      if (w === null || w.type !== "UserMessage" || !this.#sender) return null;
      const sender = read(this.#sender.value);
      if (sender === null) return null;
      return Object.freeze({
        id: w.id,
        type: "UserMessage" as const,
        sender,
        custom: w.custom,
        createdAt: w.createdAt,
        editedAt: w.editedAt,
        referencedMessageId: w.referencedMessageId,
        origin: w.origin,
        plaintext: plaintextOf(w.content),
        content: w.content,
        reactions: reactionsOf(w.reactions),
      });
    });
  }

  acquire(): void {
    this.#refs++;
  }

  release(): void {
    if (--this.#refs > 0) return;
    this.snapshot.dispose();
    this.asReferenced.dispose();
    this.#sender?.release();
    this.#sender = undefined;
    this.#referenced?.release();
    this.#referenced = undefined;
    if (this.conv.messages.get(this.id) === this) this.conv.messages.delete(this.id);
    this.conv.store.maybeForget(this.conv);
  }

  get value(): WireMessage | null | Pending {
    return this.wire.peek();
  }

  /** The message as the server sent it (or `null`: deleted, or not visible). */
  set(w: WireMessage | null): void {
    if (w !== null) {
      const frozen = Object.freeze({
        ...w,
        custom: Object.freeze({ ...(w.custom ?? {}) }),
        content: Object.freeze(w.content ?? []) as ContentBlock[],
        reactions: w.reactions ?? {},
      });
      if (!this.#sender && frozen.senderId !== null && frozen.senderId !== undefined) {
        this.#sender = this.conv.store.users.acquire(frozen.senderId);
      }
      if (!this.#referenced && frozen.referencedMessageId) {
        this.#referenced = this.conv.acquireMessage(frozen.referencedMessageId);
      }
      this.wire.set(frozen);
    } else {
      this.wire.set(null);
    }
  }

  edited(diff: Record<string, unknown>): void {
    const w = this.wire.peek();
    if (w !== null && !isPending(w)) this.set(editMessage(w, diff));
  }

  /** Fetches the message if nothing is known about it yet. */
  ensureLoaded(): void {
    if (this.wire.peek() === LOADING && !this.#fetching) this.#fetch();
  }

  /** Fetched on its own (not through a window): fetch again after a reconnect. */
  resync(): void {
    if (this.#fetched) this.#fetch();
  }

  #fetched = false;

  #fetch(): void {
    this.#fetching = true;
    this.#fetched = true;
    this.conv.store.conn.fetch(
      "GET",
      this.conv.path("messages", this.id),
      {},
      "Get message",
      (data) => {
        this.#fetching = false;
        if (this.#refs > 0) this.set(data as WireMessage);
      },
      (error: Error) => {
        this.#fetching = false;
        if (this.#refs > 0) {
          if (isAbsent(error)) this.set(null);
          else this.wire.set(new Failure(error));
        }
      },
    );
  }
}

export class MessageWindow extends PagedWindow<WireMessage> {
  protected readonly noun = "messages";
  /** False while a list that just attached waits for its full first page. */
  readonly #listReady = new Source(true);
  readonly #list = new SnapshotList<MessageSnapshot | null>();
  readonly #first = new Source<MessageEntity | undefined>(undefined);
  /** Held messages, newest first. */
  #held: MessageEntity[] = [];
  /** False once the window was trimmed: the cursor no longer follows the oldest held message. */
  #cursorValid = true;
  #listConsumers = 0;
  readonly snapshot: Derived<MessageSnapshot[] | null>;
  readonly lastMessage: Derived<MessageSnapshot | null>;

  constructor(readonly conv: ConvStore) {
    super();
    this.snapshot = new Derived(() => {
      if (read(this.status) === null) return null;
      if (!this.#listReady.get()) throw LOADING;
      const list = read(this.#list);
      // A message deleted while still listed drops out at once.
      return (list.includes(null) ? list.filter((m) => m !== null) : list) as MessageSnapshot[];
    });
    this.lastMessage = new Derived(() => {
      if (read(this.status) === null) return null;
      const first = this.#first.get();
      return first ? read(first.snapshot) : null;
    });
  }

  protected get conn(): Connection {
    return this.conv.store.conn;
  }

  protected path(): string {
    return this.conv.path("messages");
  }

  protected firstLimit(): number {
    return this.#listConsumers > 0 ? MESSAGE_PAGE : LAST_MESSAGE_LIMIT;
  }

  protected moreLimit(count: number | undefined): number {
    return pageSize(count, MESSAGE_PAGE, MAX_MESSAGE_PAGE);
  }

  /**
   * A public message list is attached: keep a full page, not just the
   * newest message. (Attached before the window is acquired, a fresh window
   * asks for a full page at once.)
   */
  attachList(): void {
    this.#listConsumers++;
    if (this.#listConsumers === 1 && this.live) {
      // Until a full page is there, the list is not shown (no one-message flash).
      this.#listReady.set(false);
      void this.run(() => this.#ensureFullPage()).finally(() => this.#listReady.set(true));
    }
  }

  async #ensureFullPage(): Promise<void> {
    if (this.#listConsumers === 0 || this.status.peek() !== true) return;
    if (!this.#cursorValid || (!this.loadedAll.peek() && this.#held.length < MESSAGE_PAGE)) {
      await this.fetchFirst(MESSAGE_PAGE);
    }
  }

  detachList(): void {
    if (this.#listConsumers > 0) this.#listConsumers--;
  }

  protected clear(): void {
    this.#setHeld([]);
    this.#cursorValid = true;
  }

  protected dispose(): void {
    this.snapshot.dispose();
    this.lastMessage.dispose();
    this.#list.dispose();
    if (this.conv.window === this) this.conv.window = undefined;
    this.conv.store.maybeForget(this.conv);
  }

  /** After a trim the cursor is lost: fetch the newest ones again, as many as wanted. */
  protected override async beforeMore(limit: number): Promise<boolean> {
    if (this.#cursorValid) return false;
    await this.fetchFirst(Math.min(MAX_MESSAGE_PAGE, this.#held.length + limit));
    return true;
  }

  /**
   * The newest messages. On a resync the page replaces what it covers;
   * older held messages stay when the cursor still follows them.
   */
  protected takeFirst(page: WirePage<WireMessage>): void {
    const fresh = page.data.map((m) => this.conv.acquireMessage(m.id, m));
    const oldest = page.data[page.data.length - 1];
    let held = fresh;
    let cursor = page.cursor;
    if (page.cursor !== null && oldest && this.#cursorValid && this.#held.length > 0 && this.status.peek() === true) {
      const older = this.#held.filter((m) => {
        const w = m.value;
        return !isPending(w) && w !== null && w.createdAt < oldest.createdAt;
      });
      if (older.length > 0) {
        held = [...fresh, ...older];
        cursor = this.cursor;
      }
    }
    // Held messages the page should have shown but did not were deleted meanwhile.
    const kept = new Set(held);
    for (const m of this.#held) {
      const w = m.value;
      const covered =
        page.cursor === null ||
        (oldest !== undefined && w !== null && !isPending(w) && w.createdAt >= oldest.createdAt);
      if (!kept.has(m) && !isPending(w) && w !== null && covered) m.set(null);
    }
    this.cursor = cursor;
    this.#cursorValid = true;
    this.#setHeld(held);
    for (const m of fresh) m.release();
    this.loadedAll.set(cursor === null);
  }

  protected takeMore(page: WirePage<WireMessage>): void {
    const added = page.data.filter((m) => !this.#holds(m.id)).map((m) => this.conv.acquireMessage(m.id, m));
    this.cursor = page.cursor;
    this.#setHeld([...this.#held, ...added]);
    for (const m of added) m.release();
    this.loadedAll.set(page.cursor === null);
  }

  #holds(id: string): boolean {
    const m = this.conv.messages.get(id);
    return m !== undefined && this.#held.includes(m);
  }

  /** Replaces the held messages (holding the new ones, letting go of the gone ones). */
  #setHeld(next: MessageEntity[]): void {
    const old = this.#held;
    const before = new Set(old);
    const after = new Set(next);
    for (const m of next) if (!before.has(m)) m.acquire();
    this.#held = next;
    this.#list.setItems(next.map((m) => m.snapshot));
    this.#first.set(next[0]);
    for (const m of old) if (!after.has(m)) m.release();
  }

  /** Holds `m` at position `i` (the common case of a new message: O(1) work plus one array copy). */
  #insertAt(i: number, m: MessageEntity): void {
    m.acquire();
    const next = this.#held.slice();
    next.splice(i, 0, m);
    this.#held = next;
    this.#list.insert(i, m.snapshot);
    this.#first.set(next[0]);
  }

  #removeAt(i: number): void {
    const m = this.#held[i];
    if (!m) return;
    const next = this.#held.slice();
    next.splice(i, 1);
    this.#held = next;
    this.#list.removeAt(i);
    this.#first.set(next[0]);
    m.release();
  }

  /** `message.created`. */
  created(w: WireMessage): void {
    // Not loaded: the page being fetched includes it. Not visible: ignore.
    if (this.status.peek() !== true) return;
    if (this.#holds(w.id)) {
      this.conv.messages.get(w.id)?.set(w);
      return;
    }
    const oldest = this.#held[this.#held.length - 1]?.value;
    if (!this.loadedAll.peek() && oldest && !isPending(oldest) && w.createdAt < oldest.createdAt) return;
    const entity = this.conv.acquireMessage(w.id, w);
    let i = 0;
    while (i < this.#held.length) {
      const v = (this.#held[i] as MessageEntity).value;
      if (isPending(v) || v === null || w.createdAt >= v.createdAt) break;
      i++;
    }
    this.#insertAt(i, entity);
    entity.release();
    if (this.#listConsumers === 0 && this.#held.length > LAST_MESSAGE_LIMIT) this.#trim();
  }

  /** Only `lastMessage` is wanted: keep the newest message alone. */
  #trim(): void {
    this.#setHeld(this.#held.slice(0, LAST_MESSAGE_LIMIT));
    this.#cursorValid = false;
    this.loadedAll.set(false);
  }

  /** `message.deleted`. */
  deleted(id: string, newLast: WireMessage | null): void {
    if (this.status.peek() !== true) return;
    const m = this.conv.messages.get(id);
    const i = m ? this.#held.indexOf(m) : -1;
    if (i >= 0) this.#removeAt(i);
    if (this.#held.length === 0 && newLast) {
      const entity = this.conv.acquireMessage(newLast.id, newLast);
      this.#insertAt(0, entity);
      entity.release();
    }
  }

  /** `conversation.cleared`: every message is gone. */
  cleared(): void {
    if (this.status.peek() !== true) return;
    this.#setHeld([]);
    this.cursor = null;
    this.#cursorValid = true;
    this.loadedAll.set(true);
  }
}
