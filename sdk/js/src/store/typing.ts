// Who is typing in a conversation (never the current user): at most five
// users, longest typing first, or "many".

import type { TypingSnapshot, UserSnapshot } from "../types.js";
import type { ConvStore } from "./conversation.js";
import { Resource } from "./resource.js";
import { Derived, Failure, isPending, LOADING, type Pending, read, Source } from "./signals.js";
import type { UserResource } from "./users.js";
import { isAbsent } from "./wire.js";

type TypingState = { readonly many: true } | { readonly many: false; readonly since: ReadonlyMap<string, number> };

const MANY: TypingSnapshot = Object.freeze({ many: true as const });

export class TypingResource extends Resource {
  readonly #state = new Source<TypingState | null | Pending>(LOADING);
  /** The users shown, held while they type. */
  #users = new Map<string, UserResource>();
  readonly snapshot: Derived<TypingSnapshot | null>;

  constructor(readonly conv: ConvStore) {
    super();
    let last: UserSnapshot[] = [];
    this.snapshot = new Derived(() => {
      const state = read(this.#state);
      if (state === null) return null;
      if (state.many) return MANY;
      const users: UserSnapshot[] = [];
      for (const [id] of [...state.since].sort((a, b) => a[1] - b[1])) {
        const u = this.#users.get(id);
        const snap = u ? read(u.value) : null;
        if (snap) users.push(snap);
      }
      if (users.length !== last.length || users.some((u, i) => u !== last[i])) last = users;
      return Object.freeze({ many: false as const, users: Object.freeze(last) as UserSnapshot[] });
    }, sameTyping);
  }

  #path(): string {
    return this.conv.path("typing");
  }

  protected start(): void {
    this.conv.store.conn.subscribe(this.#path());
    this.#fetch();
  }

  protected stop(): void {
    this.conv.store.conn.unsubscribe(this.#path());
    this.#set(LOADING);
    this.snapshot.dispose();
    if (this.conv.typing === this) this.conv.typing = undefined;
    this.conv.store.maybeForget(this.conv);
  }

  resync(): void {
    this.#fetch();
  }

  #fetch(): void {
    const generation = this.generation;
    this.conv.store.conn.fetch(
      "GET",
      this.#path(),
      {},
      "Get typing",
      (data) => {
        if (generation === this.generation) this.#set(parse(data as Record<string, unknown>));
      },
      (error: Error) => {
        if (generation !== this.generation) return;
        this.#set(isAbsent(error) ? null : new Failure(error));
      },
    );
  }

  /** Sets the state, holding exactly the users it names. */
  #set(state: TypingState | null | Pending): void {
    const ids = state !== null && !isPending(state) && !state.many ? state.since : new Map<string, number>();
    for (const [id, u] of this.#users) {
      if (!ids.has(id)) {
        u.release();
        this.#users.delete(id);
      }
    }
    for (const id of ids.keys()) {
      if (!this.#users.has(id)) this.#users.set(id, this.conv.store.users.acquire(id));
    }
    this.#state.set(state);
  }

  /** `typing.available`: the whole state (sent when the current user joins). */
  available(state: Record<string, unknown>): void {
    if (this.live) this.#set(parse(state));
  }

  /** `typing.changed`: a diff. */
  changed(diff: Record<string, unknown>): void {
    const state = this.#state.peek();
    if (state === null || isPending(state)) return;
    if (diff.many === true) {
      this.#set({ many: true });
      return;
    }
    if (diff.many === false) {
      this.#set(parse(diff));
      return;
    }
    if (state.many) return;
    const since = new Map(state.since);
    for (const [id, at] of Object.entries((diff.usersTyping ?? {}) as Record<string, number | null>)) {
      if (at === null) since.delete(id);
      else if (!since.has(id)) since.set(id, at);
    }
    this.#set({ many: false, since });
  }

  left(): void {
    if (this.live) this.#set(null);
  }
}

function sameTyping(a: TypingSnapshot | null, b: TypingSnapshot | null): boolean {
  return a === b || (a !== null && b !== null && !a.many && !b.many && a.users === b.users);
}

function parse(data: Record<string, unknown>): TypingState {
  if (data.many === true) return { many: true };
  const since = new Map<string, number>();
  for (const [id, at] of Object.entries((data.usersTyping ?? {}) as Record<string, number | null>)) {
    if (typeof at === "number") since.set(id, at);
  }
  return { many: false, since };
}
