// Who reacted to a message with one emoji, oldest first.

import type { Connection } from "../connection.js";
import type { SingleReactionSnapshot } from "../types.js";
import type { ConvStore } from "./conversation.js";
import { Derived, read, Source, sameItems } from "./signals.js";
import type { UserResource } from "./users.js";
import { PagedWindow, pageSize } from "./window.js";
import type { WirePage, WireReactionEntry } from "./wire.js";

export const REACTION_PAGE = 30;

interface Entry {
  readonly userId: string;
  readonly createdAt: number;
  readonly user: UserResource;
}

export class ReactionsResource extends PagedWindow<WireReactionEntry> {
  protected readonly noun = "reactions";
  readonly #entries = new Source<readonly Entry[]>([]);
  readonly snapshot: Derived<SingleReactionSnapshot[] | null>;

  constructor(
    readonly conv: ConvStore,
    readonly messageId: string,
    readonly emoji: string,
  ) {
    super();
    const cache = new Map<string, SingleReactionSnapshot>();
    this.snapshot = new Derived(
      () => {
        if (read(this.status) === null) return null;
        const out: SingleReactionSnapshot[] = [];
        for (const e of this.#entries.get()) {
          const user = read(e.user.value);
          if (user === null) continue;
          const key = `${e.userId}\n${e.createdAt}`;
          let snap = cache.get(key);
          if (snap?.user !== user) {
            snap = Object.freeze({ user, createdAt: e.createdAt });
            cache.set(key, snap);
          }
          out.push(snap);
        }
        return out;
      },
      (a, b) => a === b || (Array.isArray(a) && Array.isArray(b) && sameItems(a, b)),
    );
  }

  protected get conn(): Connection {
    return this.conv.store.conn;
  }

  protected path(): string {
    return this.conv.path("messages", this.messageId, "reactions", this.emoji);
  }

  /** After a reconnect, as many as were shown. */
  protected firstLimit(): number {
    return Math.max(REACTION_PAGE, this.#entries.peek().length);
  }

  protected moreLimit(count: number | undefined): number {
    return pageSize(count, REACTION_PAGE, Number.MAX_SAFE_INTEGER);
  }

  protected clear(): void {
    this.#setEntries([]);
  }

  protected dispose(): void {
    this.snapshot.dispose();
    const key = `${this.messageId}\n${this.emoji}`;
    if (this.conv.reactions.get(key) === this) this.conv.reactions.delete(key);
    this.conv.store.maybeForget(this.conv);
  }

  #entry(w: WireReactionEntry): Entry {
    return { userId: w.userId, createdAt: w.createdAt, user: this.conv.store.users.acquire(w.userId) };
  }

  #setEntries(next: readonly Entry[]): void {
    const kept = new Set(next);
    for (const e of this.#entries.peek()) if (!kept.has(e)) e.user.release();
    this.#entries.set(next);
  }

  protected takeFirst(page: WirePage<WireReactionEntry>): void {
    this.cursor = page.cursor;
    this.#setEntries(page.data.map((w) => this.#entry(w)));
    this.loadedAll.set(page.cursor === null);
  }

  protected takeMore(page: WirePage<WireReactionEntry>): void {
    const known = new Set(this.#entries.peek().map((e) => e.userId));
    const added = page.data.filter((w) => !known.has(w.userId)).map((w) => this.#entry(w));
    this.cursor = page.cursor;
    this.#setEntries([...this.#entries.peek(), ...added]);
    this.loadedAll.set(page.cursor === null);
  }

  /** `reaction.added`. */
  added(userId: string, createdAt: number): void {
    if (this.status.peek() !== true) return;
    const entries = this.#entries.peek();
    if (entries.some((e) => e.userId === userId)) return;
    // Past the loaded part of the list: it will come with `loadMore`.
    const last = entries[entries.length - 1];
    if (!this.loadedAll.peek() && last && createdAt > last.createdAt) return;
    const entry = this.#entry({ userId, createdAt });
    let i = entries.length;
    while (i > 0 && (entries[i - 1] as Entry).createdAt > createdAt) i--;
    const next = entries.slice();
    next.splice(i, 0, entry);
    this.#setEntries(next);
  }

  /** `reaction.removed`. */
  removed(userId: string): void {
    if (this.status.peek() !== true) return;
    const entries = this.#entries.peek();
    const next = entries.filter((e) => e.userId !== userId);
    if (next.length !== entries.length) this.#setEntries(next);
  }
}
