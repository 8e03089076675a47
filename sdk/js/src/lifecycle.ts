// The life of a subscription: pending → active (updated in place) →
// unsubscribed or error. Every public subscription is one of these.

import type { ErrorState, PendingState, UnsubscribedState } from "./types.js";

type Active = { readonly type: "active" };

const PENDING: PendingState = Object.freeze({ type: "pending" });
const UNSUBSCRIBED: UnsubscribedState = Object.freeze({ type: "unsubscribed" });

export class Lifecycle<A extends Active> {
  state: PendingState | A | UnsubscribedState | ErrorState = PENDING;
  readonly connected: Promise<A>;
  readonly terminated: Promise<UnsubscribedState | ErrorState>;
  #resolveConnected!: (state: A) => void;
  #rejectConnected!: (error: Error) => void;
  #resolveTerminated!: (state: UnsubscribedState | ErrorState) => void;
  readonly #teardown: () => void;

  constructor(teardown: () => void) {
    this.#teardown = teardown;
    this.connected = new Promise<A>((resolve, reject) => {
      this.#resolveConnected = resolve;
      this.#rejectConnected = reject;
    });
    // A subscription ended before it connected rejects `connected`; that is
    // expected, and must not surface as an unhandled rejection when the app
    // never looked at the promise.
    this.connected.catch(() => {});
    this.terminated = new Promise((resolve) => {
      this.#resolveTerminated = resolve;
    });
  }

  get isLive(): boolean {
    return this.state.type === "pending" || this.state.type === "active";
  }

  /** Enters (or stays in) the active state with `state`. */
  activate(state: A): void {
    if (!this.isLive) return;
    const first = this.state.type === "pending";
    this.state = state;
    if (first) this.#resolveConnected(state);
  }

  /** Ends in the error state. */
  fail(error: Error): void {
    if (!this.isLive) return;
    const state: ErrorState = Object.freeze({ type: "error", error });
    this.#end(state, error);
  }

  /** Ends in the unsubscribed state; a no-op once ended. */
  unsubscribe(): void {
    if (!this.isLive) return;
    this.#end(UNSUBSCRIBED, new Error("The subscription was unsubscribed before it connected"));
  }

  #end(state: UnsubscribedState | ErrorState, reason: Error): void {
    const wasPending = this.state.type === "pending";
    this.state = state;
    if (wasPending) this.#rejectConnected(reason);
    this.#resolveTerminated(state);
    this.#teardown();
  }
}
