// The current user's conversations, most recently active first: a window
// that grows into the past with `loadMore`, and takes in conversations that
// become active (a new message moves one to the top) or start matching the
// filter. Every list shares the `/me/conversations` subscription; each has
// its own filter, applied by the server to pages and here to changes.

import type { Connection, ServerEvent } from "../connection.js";
import { type FilterSubject, isTrivialFilter, matchesFilter } from "../filter.js";
import type { ConversationFilter, ConversationSnapshot } from "../types.js";
import type { ConversationEntity, ConvStore } from "./conversation.js";
import type { Store } from "./index.js";
import { Derived, Failure, isPending, read, SnapshotList } from "./signals.js";
import { PagedWindow, pageSize } from "./window.js";
import type { WirePage, WireSide } from "./wire.js";

export const CONVERSATION_PAGE = 20;
export const MAX_CONVERSATION_PAGE = 30;

interface Entry {
  readonly conv: ConvStore;
  readonly entity: ConversationEntity;
}

/** Most recently active first; ties by id (the server's order). */
function before(a: WireSide, b: WireSide): boolean {
  return a.lastMessageAt > b.lastMessageAt || (a.lastMessageAt === b.lastMessageAt && a.id < b.id);
}

function sideOfEntry(e: Entry): WireSide | undefined {
  const s = e.conv.side.peek();
  return s === null || isPending(s) ? undefined : s;
}

export class ConversationList extends PagedWindow<WireSide> {
  protected readonly noun = "conversations";
  readonly #list = new SnapshotList<ConversationSnapshot | null>();
  #entries: Entry[] = [];
  readonly #byId = new Map<string, Entry>();
  /** The oldest last activity the fetched pages reached: older changes stay out of the window. */
  #edge = Number.POSITIVE_INFINITY;
  readonly snapshot: Derived<ConversationSnapshot[]>;

  constructor(
    private readonly store: Store,
    readonly filter: ConversationFilter | undefined,
  ) {
    super();
    this.snapshot = new Derived(() => {
      read(this.status);
      const list = read(this.#list);
      return (list.includes(null) ? list.filter((c) => c !== null) : list) as ConversationSnapshot[];
    });
  }

  protected get conn(): Connection {
    return this.store.conn;
  }

  protected path(): string {
    return "/me/conversations";
  }

  /** After a reconnect, as many as were shown (within a page), so the window does not shrink. */
  protected firstLimit(): number {
    return Math.max(CONVERSATION_PAGE, Math.min(MAX_CONVERSATION_PAGE, this.#entries.length));
  }

  protected moreLimit(count: number | undefined): number {
    return pageSize(count, CONVERSATION_PAGE, MAX_CONVERSATION_PAGE);
  }

  protected override firstPageData(limit: number): Record<string, unknown> {
    return this.filter === undefined ? { limit } : { limit, filter: this.filter };
  }

  /** A current user who does not exist yet (404) has no conversations. */
  protected override failed(error: unknown): void {
    if ((error as { status?: number }).status === 404) {
      this.takeFirst({ data: [], cursor: null });
      this.status.set(true);
    } else {
      this.status.set(new Failure(error as Error));
    }
  }

  protected clear(): void {
    for (const e of this.#entries) this.#let(e);
    this.#entries = [];
    this.#byId.clear();
    this.#list.setItems([]);
    this.#edge = Number.POSITIVE_INFINITY;
  }

  protected dispose(): void {
    this.#list.dispose();
    this.snapshot.dispose();
    this.store.lists.delete(this);
  }

  /** The newest conversations; held ones older than the page stay when the cursor still follows them. */
  protected takeFirst(page: WirePage<WireSide>): void {
    const pageEdge = page.data.reduce((min, s) => Math.min(min, s.lastMessageAt), Number.POSITIVE_INFINITY);
    const fetched = new Set(page.data.map((s) => s.id));
    const keepOlder = page.cursor !== null && this.status.peek() === true;
    const next: Entry[] = [];
    for (const s of page.data) next.push(this.#take(s));
    for (const e of this.#entries) {
      if (fetched.has(e.conv.id)) continue;
      const s = sideOfEntry(e);
      if (keepOlder && s && s.lastMessageAt < pageEdge) next.push(e);
      else this.#let(e);
    }
    this.#byId.clear();
    for (const e of next) this.#byId.set(e.conv.id, e);
    this.#entries = next;
    this.#sort();
    if (!keepOlder || this.#edge === Number.POSITIVE_INFINITY) {
      this.cursor = page.cursor;
      this.#edge = pageEdge;
    }
    this.loadedAll.set(this.cursor === null);
  }

  protected takeMore(page: WirePage<WireSide>): void {
    for (const s of page.data) {
      this.#edge = Math.min(this.#edge, s.lastMessageAt);
      if (this.#byId.has(s.id)) continue;
      const e = this.#take(s);
      this.#byId.set(s.id, e);
      this.#entries.push(e);
    }
    this.cursor = page.cursor;
    this.#sort();
    this.loadedAll.set(page.cursor === null);
  }

  /** Holds a conversation (its side and snapshot) with the state `s`. */
  #take(s: WireSide): Entry {
    const existing = this.#byId.get(s.id);
    if (existing) {
      existing.conv.setSide(s);
      return existing;
    }
    const conv = this.store.conv(s.id);
    conv.holdSide();
    conv.setSide(s);
    return { conv, entity: conv.acquireEntity() };
  }

  #let(e: Entry): void {
    e.entity.release();
    e.conv.releaseSide();
  }

  #sort(): void {
    this.#entries.sort((a, b) => {
      const sa = sideOfEntry(a);
      const sb = sideOfEntry(b);
      if (!sa || !sb) return 0;
      return before(sa, sb) ? -1 : before(sb, sa) ? 1 : 0;
    });
    this.#list.setItems(this.#entries.map((e) => e.entity.snapshot));
  }

  // ------------------------------------------------------------ events

  /** `user.created` for the current user: the list may have been empty because they did not exist. */
  meCreated(): void {
    if (this.live) void this.run(() => this.fetchFirst(CONVERSATION_PAGE));
  }

  /** A side event, after the conversation's own store applied it. */
  sideEvent(e: ServerEvent): void {
    if (this.status.peek() !== true) return;
    const cid = e.conversationId as string;
    const entry = this.#byId.get(cid);
    if (e.type === "side.deleted") {
      if (entry) this.#remove(entry);
      return;
    }
    if (e.type === "side.created") {
      this.#decide(cid, e.state as WireSide);
      return;
    }
    if (entry) {
      const s = sideOfEntry(entry);
      if (s) this.#decide(cid, s);
      return;
    }
    // Not listed: known elsewhere in the store, or fetched when it could now belong.
    const known = this.store.convs.get(cid)?.side.peek();
    if (known && !isPending(known)) {
      this.#decide(cid, known);
      return;
    }
    const diff = (e.diff ?? {}) as Partial<WireSide>;
    const active =
      typeof diff.lastMessageAt === "number" && (this.loadedAll.peek() || diff.lastMessageAt >= this.#edge);
    if (active || !isTrivialFilter(this.filter)) this.#fetchOne(cid);
  }

  #fetchOne(cid: string): void {
    const generation = this.generation;
    this.store.conn.fetch(
      "GET",
      this.store.path("me", "conversations", cid),
      {},
      "Get conversation",
      (data) => {
        if (generation === this.generation && this.status.peek() === true) this.#decide(cid, data as WireSide);
      },
      () => {
        // Not visible after all: nothing to add.
      },
    );
  }

  /** Adds, moves or removes `cid` given its current state. */
  #decide(cid: string, s: WireSide): void {
    const entry = this.#byId.get(cid);
    const subject: FilterSubject = s;
    const belongs = matchesFilter(this.filter, subject) && (this.loadedAll.peek() || s.lastMessageAt >= this.#edge);
    if (!belongs) {
      if (entry) this.#remove(entry);
      return;
    }
    if (entry) {
      entry.conv.setSide(s);
      this.#move(entry);
      return;
    }
    const e = this.#take(s);
    this.#byId.set(cid, e);
    const i = this.#position(s);
    this.#entries.splice(i, 0, e);
    this.#list.insert(i, e.entity.snapshot);
  }

  #position(s: WireSide): number {
    let i = 0;
    while (i < this.#entries.length) {
      const other = sideOfEntry(this.#entries[i] as Entry);
      if (!other || before(s, other)) break;
      i++;
    }
    return i;
  }

  #move(entry: Entry): void {
    const s = sideOfEntry(entry);
    if (!s) return;
    const i = this.#entries.indexOf(entry);
    const prev = i > 0 ? sideOfEntry(this.#entries[i - 1] as Entry) : undefined;
    const after = this.#entries[i + 1];
    const next = after ? sideOfEntry(after) : undefined;
    if ((!prev || before(prev, s)) && (!next || before(s, next))) return;
    this.#entries.splice(i, 1);
    this.#list.removeAt(i);
    const j = this.#position(s);
    this.#entries.splice(j, 0, entry);
    this.#list.insert(j, entry.entity.snapshot);
  }

  #remove(entry: Entry): void {
    const i = this.#entries.indexOf(entry);
    if (i >= 0) {
      this.#entries.splice(i, 1);
      this.#list.removeAt(i);
    }
    this.#byId.delete(entry.conv.id);
    this.#let(entry);
  }
}
