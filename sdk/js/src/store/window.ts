// What every window over a paged list shares (messages, participants,
// reactions, conversations): one subscription path, a first page and more
// pages behind a cursor, fetched one at a time, and a status that is `null`
// when the current user may not see the list.

import type { Connection } from "../connection.js";
import { Resource } from "./resource.js";
import { Failure, LOADING, type Pending, Source } from "./signals.js";
import { isAbsent, type WirePage } from "./wire.js";

export abstract class PagedWindow<W> extends Resource {
  /** `true` when loaded, `null` when the current user cannot see the list. */
  readonly status = new Source<true | null | Pending>(LOADING);
  readonly loadedAll = new Source<boolean>(false);
  /** Where the next page starts. */
  protected cursor: string | null = null;
  #loading: Promise<void> | undefined;

  protected abstract readonly conn: Connection;
  /** The subscription path, also the path of its pages. */
  protected abstract path(): string;
  /** What the window holds, for error messages ("messages"). */
  protected abstract readonly noun: string;
  /** How many to ask for in the first page. */
  protected abstract firstLimit(): number;
  /** The page size for `loadMore(count)`, within the server's limits. */
  protected abstract moreLimit(count: number | undefined): number;
  /** The first page arrived: replace what it covers. */
  protected abstract takeFirst(page: WirePage<W>): void;
  /** A later page arrived: add what is new. */
  protected abstract takeMore(page: WirePage<W>): void;
  /** Lets go of everything held. */
  protected abstract clear(): void;
  /** Stops computing snapshots and leaves the store (after `clear`). */
  protected abstract dispose(): void;

  /** One fetch at a time: a `loadMore` waits for the first page, and so on. */
  protected run(f: () => Promise<void>): Promise<void> {
    const next = (this.#loading ?? Promise.resolve()).then(f, f);
    this.#loading = next;
    void next.finally(() => {
      if (this.#loading === next) this.#loading = undefined;
    });
    return next;
  }

  protected start(): void {
    this.conn.subscribe(this.path());
    void this.run(() => this.fetchFirst(this.firstLimit()));
  }

  protected stop(): void {
    this.conn.unsubscribe(this.path());
    this.clear();
    this.status.set(LOADING);
    this.loadedAll.set(false);
    this.cursor = null;
    this.dispose();
  }

  resync(): void {
    void this.run(() => this.fetchFirst(this.firstLimit()));
  }

  /** What a failed first page means; by default, not visible (403/404) or a failure. */
  protected failed(error: unknown): void {
    if (isAbsent(error)) {
      this.clear();
      this.status.set(null);
    } else {
      this.status.set(new Failure(error as Error));
    }
  }

  /** Fetches the first page; it is applied as its answer is read (in wire order). */
  protected fetchFirst(limit: number): Promise<void> {
    const generation = this.generation;
    return new Promise((resolve) => {
      this.conn.fetch(
        "GET",
        this.path(),
        this.firstPageData(limit),
        `Get ${this.noun}`,
        (page) => {
          if (generation === this.generation) {
            this.takeFirst(page as WirePage<W>);
            this.status.set(true);
          }
          resolve();
        },
        (error) => {
          if (generation === this.generation) this.failed(error);
          resolve();
        },
      );
    });
  }

  /** Loads older items (the window only grows); resolves once they are in. */
  async loadMore(count?: number): Promise<void> {
    const limit = this.moreLimit(count);
    await this.run(async () => {
      if (this.status.peek() !== true || this.loadedAll.peek()) return;
      if (await this.beforeMore(limit)) return;
      const generation = this.generation;
      await new Promise<void>((resolve, reject) => {
        this.conn.fetch(
          "GET",
          this.path(),
          { limit, cursor: this.cursor },
          `Load more ${this.noun}`,
          (page) => {
            if (generation === this.generation && this.status.peek() === true) this.takeMore(page as WirePage<W>);
            resolve();
          },
          reject,
        );
      });
    });
  }

  /** What the first page is asked with. */
  protected firstPageData(limit: number): Record<string, unknown> {
    return { limit };
  }

  /** A chance to load differently (true: done); by default, none. */
  protected async beforeMore(_limit: number): Promise<boolean> {
    return false;
  }

  /** The current user joined: a window that found nothing looks again. */
  joined(): void {
    if (this.live && this.status.peek() === null) void this.run(() => this.fetchFirst(this.firstLimit()));
  }

  /** The current user left (or the thing is gone): nothing is visible any more. */
  left(): void {
    if (!this.live) return;
    this.clear();
    this.status.set(null);
    this.loadedAll.set(false);
    this.cursor = null;
  }
}

/** `count` as a page size: a whole number from 1 to `max`, `fallback` when not given. */
export function pageSize(count: number | undefined, fallback: number, max: number): number {
  if (count === undefined || !Number.isFinite(count)) return fallback;
  return Math.max(1, Math.min(max, Math.floor(count)));
}
