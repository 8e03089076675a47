// Public subscriptions: a store value watched until `unsubscribe`, with the
// pending → active → unsubscribed/error life every subscription shares.

import { Lifecycle } from "./lifecycle.js";
import { Effect, Failure, LOADING, type Pending, type Readable } from "./store/signals.js";
import type { ErrorState, PendingState, UnsubscribedState } from "./types.js";

/** What a subscription holds while it lives. */
export interface Held<T> {
  readonly value: Readable<T | Pending>;
  readonly loadedAll?: Readable<boolean>;
  release(): void;
  loadMore?(count?: number): Promise<void>;
}

type Active = { readonly type: "active" };

/** What a session keeps of each live subscription, to end it with the session. */
export interface Trackable {
  readonly terminated: Promise<unknown>;
  unsubscribe(): void;
  fail(error: Error): void;
}

/** Reports an exception thrown by an app's callback without breaking the store. */
export function reportCallbackError(error: unknown): void {
  setTimeout(() => {
    throw error;
  });
}

export class LiveSubscription<T, A extends Active> {
  readonly #life: Lifecycle<A>;
  readonly #held: Held<T>;
  #effect: Effect | undefined;

  constructor(
    held: Held<T>,
    makeState: (value: T, loadedAll: boolean) => A,
    onSnapshot: ((value: T, loadedAll: boolean) => void) | undefined,
  ) {
    this.#held = held;
    this.#life = new Lifecycle<A>(() => {
      this.#effect?.dispose();
      this.#effect = undefined;
      held.release();
    });
    // Start on the next microtask, so that a callback that runs at once can
    // already see the subscription object it belongs to.
    queueMicrotask(() => {
      if (!this.#life.isLive) return;
      let first = true;
      let lastValue: T | undefined;
      let lastAll = false;
      this.#effect = new Effect(() => {
        const value = held.value.get();
        const loadedAll = held.loadedAll?.get() ?? false;
        if (value === LOADING) return;
        if (value instanceof Failure) {
          this.#life.fail(value.error);
          return;
        }
        if (!first && value === lastValue && loadedAll === lastAll) return;
        first = false;
        lastValue = value as T;
        lastAll = loadedAll;
        this.#life.activate(makeState(value as T, loadedAll));
        if (onSnapshot) {
          try {
            onSnapshot(value as T, loadedAll);
          } catch (error) {
            reportCallbackError(error);
          }
        }
      });
    });
  }

  get state(): PendingState | A | UnsubscribedState | ErrorState {
    return this.#life.state;
  }

  get connected(): Promise<A> {
    return this.#life.connected;
  }

  get terminated(): Promise<UnsubscribedState | ErrorState> {
    return this.#life.terminated;
  }

  unsubscribe(): void {
    this.#life.unsubscribe();
  }

  /** Ends the subscription with an error (the session failed). */
  fail(error: Error): void {
    this.#life.fail(error);
  }

  /** Loads older items into a window (shared by every subscription to it). */
  async loadMore(count?: number): Promise<void> {
    if (!this.#life.isLive || !this.#held.loadMore) return;
    await this.#held.loadMore(count);
  }
}

/**
 * The first settled value of `held` (for `get()`): resolves once it is
 * loaded, rejects if loading failed, and lets go of `held` either way.
 */
export function firstValue<T>(held: Held<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let effect: Effect | undefined;
    const finish = (): void => {
      done = true;
      queueMicrotask(() => {
        effect?.dispose();
        held.release();
      });
    };
    effect = new Effect(() => {
      if (done) return;
      const value = held.value.get();
      if (value === LOADING) return;
      finish();
      if (value instanceof Failure) reject(value.error);
      else resolve(value as T);
    });
  });
}
