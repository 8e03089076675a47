// Who reacted to a message with one emoji, oldest first.

import type { SingleReactionSnapshot } from "../types.js";
import type { ConvStore } from "./conversation.js";
import { Resource } from "./resource.js";
import { Derived, Failure, LOADING, type Pending, read, Source, sameItems } from "./signals.js";
import type { UserResource } from "./users.js";
import { isAbsent, type WirePage, type WireReactionEntry } from "./wire.js";

export const REACTION_PAGE = 30;

interface Entry {
  readonly userId: string;
  readonly createdAt: number;
  readonly user: UserResource;
}

export class ReactionsResource extends Resource {
  readonly status = new Source<true | null | Pending>(LOADING);
  readonly loadedAll = new Source<boolean>(false);
  readonly #entries = new Source<readonly Entry[]>([]);
  #cursor: string | null = null;
  #loading: Promise<void> | undefined;
  readonly snapshot: Derived<SingleReactionSnapshot[] | null>;
  /** The first page as fetched (for `getFirstReactions`). */
  firstPage: readonly Entry[] = [];

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

  #path(): string {
    return this.conv.path("messages", this.messageId, "reactions", this.emoji);
  }

  protected start(): void {
    this.conv.store.conn.subscribe(this.#path());
    void this.#run(() => this.#fetchFirst());
  }

  protected stop(): void {
    this.conv.store.conn.unsubscribe(this.#path());
    this.#setEntries([]);
    this.status.set(LOADING);
    this.loadedAll.set(false);
    this.#cursor = null;
    this.snapshot.dispose();
    const key = `${this.messageId}\n${this.emoji}`;
    if (this.conv.reactions.get(key) === this) this.conv.reactions.delete(key);
    this.conv.store.maybeForget(this.conv);
  }

  resync(): void {
    void this.#run(() => this.#fetchFirst());
  }

  #run(f: () => Promise<void>): Promise<void> {
    const next = (this.#loading ?? Promise.resolve()).then(f, f);
    this.#loading = next;
    void next.finally(() => {
      if (this.#loading === next) this.#loading = undefined;
    });
    return next;
  }

  #entry(w: WireReactionEntry): Entry {
    return { userId: w.userId, createdAt: w.createdAt, user: this.conv.store.users.acquire(w.userId) };
  }

  #setEntries(next: readonly Entry[]): void {
    const kept = new Set(next);
    for (const e of this.#entries.peek()) if (!kept.has(e)) e.user.release();
    this.#entries.set(next);
  }

  async #fetchFirst(): Promise<void> {
    const generation = this.generation;
    const limit = Math.max(REACTION_PAGE, this.#entries.peek().length);
    let page: WirePage<WireReactionEntry>;
    try {
      page = (await this.conv.store.conn.request(
        "GET",
        this.#path(),
        { limit },
        "Get reactions",
      )) as WirePage<WireReactionEntry>;
    } catch (error) {
      if (generation !== this.generation) return;
      if (isAbsent(error)) {
        this.#setEntries([]);
        this.status.set(null);
      } else {
        this.status.set(new Failure(error as Error));
      }
      return;
    }
    if (generation !== this.generation) return;
    const entries = page.data.map((w) => this.#entry(w));
    this.firstPage = entries.slice(0, REACTION_PAGE);
    this.#cursor = page.cursor;
    this.#setEntries(entries);
    this.status.set(true);
    this.loadedAll.set(page.cursor === null);
  }

  async loadMore(count = REACTION_PAGE): Promise<void> {
    const limit = Math.max(1, Math.floor(count));
    await this.#run(async () => {
      if (this.status.peek() !== true || this.loadedAll.peek()) return;
      const generation = this.generation;
      const page = (await this.conv.store.conn.request(
        "GET",
        this.#path(),
        { limit, cursor: this.#cursor },
        "Load more reactions",
      )) as WirePage<WireReactionEntry>;
      if (generation !== this.generation || this.status.peek() !== true) return;
      const known = new Set(this.#entries.peek().map((e) => e.userId));
      const added = page.data.filter((w) => !known.has(w.userId)).map((w) => this.#entry(w));
      this.#cursor = page.cursor;
      this.#setEntries([...this.#entries.peek(), ...added]);
      this.loadedAll.set(page.cursor === null);
    });
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

  joined(): void {
    if (this.live && this.status.peek() === null) void this.#run(() => this.#fetchFirst());
  }

  /** The current user left, or the message was deleted. */
  left(): void {
    if (!this.live) return;
    this.#setEntries([]);
    this.status.set(null);
    this.loadedAll.set(false);
  }
}
