// Something the store keeps fresh while it is wanted: a subscription on the
// socket plus the data fetched for it. Reference-counted; when the last user
// lets go it lingers briefly (so that `get()` after `get()`, or a component
// re-mounting, does not refetch), then unsubscribes and forgets its data.

/** How long an unwanted resource stays subscribed before it is dropped (ms). */
export const LINGER_MS = 5_000;

export abstract class Resource {
  #refs = 0;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #live = false;
  /** Bumped on every (re)start, so that answers to an older fetch are ignored. */
  protected generation = 0;

  get live(): boolean {
    return this.#live;
  }

  acquire(): void {
    this.#refs++;
    if (this.#linger) {
      clearTimeout(this.#linger);
      this.#linger = undefined;
    }
    if (!this.#live) {
      this.#live = true;
      this.generation++;
      this.start();
    }
  }

  release(): void {
    if (this.#refs === 0) return;
    this.#refs--;
    if (this.#refs > 0 || this.#linger) return;
    const timer = setTimeout(() => {
      this.#linger = undefined;
      if (this.#refs === 0) this.drop();
    }, LINGER_MS);
    (timer as { unref?: () => void }).unref?.();
    this.#linger = timer;
  }

  /** Stops at once (the session is going away, or the linger ran out). */
  drop(): void {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = undefined;
    if (!this.#live) return;
    this.#live = false;
    this.generation++;
    this.stop();
  }

  /** Subscribes and fetches. */
  protected abstract start(): void;
  /** Unsubscribes and forgets. */
  protected abstract stop(): void;
  /** Fetches again after the connection was re-established. */
  abstract resync(): void;
}
