// Users and their online status. One entry per user id, shared by every
// snapshot that embeds the user (senders, participants, typing, reactions),
// so that a change of name shows everywhere at once.

import type { UserOnlineSnapshot, UserSnapshot } from "../types.js";
import { path } from "../urls.js";
import type { Store } from "./index.js";
import { Resource } from "./resource.js";
import { Derived, Failure, isPending, LOADING, type Pending, read, Source, sameFields } from "./signals.js";
import { applyDiff, isAbsent, type WireUser } from "./wire.js";

/** At most this many ids go in one `GET /users`. */
const MAX_USER_BATCH = 1000;

/** The public fields of a user, frozen. */
export function userSnapshot(u: WireUser): UserSnapshot {
  return Object.freeze({
    id: u.id,
    name: u.name,
    custom: Object.freeze({ ...(u.custom ?? {}) }),
    locale: u.locale ?? null,
    photoUrl: u.photoUrl ?? null,
    role: u.role ?? "default",
    welcomeMessage: u.welcomeMessage ?? null,
  });
}

export class UserResource extends Resource {
  /** The user; `null` when no such user exists. */
  readonly value = new Source<UserSnapshot | null | Pending>(LOADING);

  constructor(
    private readonly store: Store,
    readonly id: string,
  ) {
    super();
  }

  protected start(): void {
    this.store.conn.subscribe(path("users", this.id));
    this.store.users.fetch(this.id);
  }

  protected stop(): void {
    this.store.conn.unsubscribe(path("users", this.id));
    this.value.set(LOADING);
    this.store.users.forget(this);
  }

  resync(): void {
    this.store.users.fetch(this.id);
  }

  /** `user.created`: the full state. */
  created(state: WireUser): void {
    if (this.value.peek() !== LOADING) this.value.set(userSnapshot(state));
  }

  /** `user.edited`: a diff. */
  edited(diff: Record<string, unknown>): void {
    const v = this.value.peek();
    if (v !== null && !isPending(v)) this.value.set(userSnapshot(applyDiff(v as WireUser, diff)));
  }
}

/** The users of the session: the registry, batched fetches and events. */
export class Users {
  readonly #byId = new Map<string, UserResource>();
  readonly #online = new Map<string, OnlineResource>();
  #wanted = new Set<string>();

  constructor(private readonly store: Store) {}

  /**
   * The entry for `id`, acquired: release it when done. (Entries are only
   * ever handed out acquired, so a dropped one is never revived by mistake.)
   */
  acquire(id: string): UserResource {
    let u = this.#byId.get(id);
    if (!u) {
      u = new UserResource(this.store, id);
      this.#byId.set(id, u);
    }
    u.acquire();
    return u;
  }

  acquireOnline(id: string): OnlineResource {
    let o = this.#online.get(id);
    if (!o) {
      o = new OnlineResource(this.store, id);
      this.#online.set(id, o);
    }
    o.acquire();
    return o;
  }

  forget(u: UserResource): void {
    if (this.#byId.get(u.id) === u) this.#byId.delete(u.id);
  }

  forgetOnline(o: OnlineResource): void {
    if (this.#online.get(o.id) === o) this.#online.delete(o.id);
  }

  /** Fetches `id` with the others asked for in the same microtask (one `GET /users`). */
  fetch(id: string): void {
    if (this.#wanted.size === 0) queueMicrotask(() => this.#flush());
    this.#wanted.add(id);
  }

  #flush(): void {
    const ids = [...this.#wanted];
    this.#wanted = new Set();
    for (let i = 0; i < ids.length; i += MAX_USER_BATCH) {
      const batch = ids.slice(i, i + MAX_USER_BATCH);
      this.store.conn.fetch(
        "GET",
        "/users",
        { ids: batch, includePrivateFields: false },
        "Get users",
        (data) => {
          const found = (data ?? {}) as Record<string, WireUser>;
          for (const id of batch) {
            const u = this.#byId.get(id);
            const w = found[id];
            if (u?.live) u.value.set(w ? userSnapshot(w) : null);
          }
        },
        (error: Error) => {
          for (const id of batch) {
            const u = this.#byId.get(id);
            if (u?.live) u.value.set(new Failure(error));
          }
        },
      );
    }
  }

  userCreated(id: string, state: WireUser): void {
    this.#byId.get(id)?.created(state);
    this.#online.get(id)?.userCreated();
  }

  userEdited(id: string, diff: Record<string, unknown>): void {
    this.#byId.get(id)?.edited(diff);
  }

  onlineChanged(id: string, diff: { isConnected?: boolean }): void {
    this.#online.get(id)?.changed(diff);
  }

  resync(): void {
    for (const u of this.#byId.values()) if (u.live) u.resync();
    for (const o of this.#online.values()) if (o.live) o.resync();
  }

  dropAll(): void {
    for (const o of [...this.#online.values()]) o.drop();
    for (const u of [...this.#byId.values()]) u.drop();
  }
}

/** Whether a user is connected right now; `null` when the user does not exist. */
export class OnlineResource extends Resource {
  readonly #state = new Source<{ isConnected: boolean } | null | Pending>(LOADING);
  #user: UserResource | undefined;
  readonly snapshot: Derived<UserOnlineSnapshot | null>;

  constructor(
    private readonly store: Store,
    readonly id: string,
  ) {
    super();
    this.snapshot = new Derived(() => {
      const state = read(this.#state);
      if (state === null || !this.#user) return null;
      const user = read(this.#user.value);
      if (user === null) return null;
      return Object.freeze({ ...state, user });
    }, sameFields);
  }

  #path(): string {
    return `${path("users", this.id)}/online`;
  }

  protected start(): void {
    this.#user = this.store.users.acquire(this.id);
    this.store.conn.subscribe(this.#path());
    this.#fetch();
  }

  protected stop(): void {
    this.store.conn.unsubscribe(this.#path());
    this.#state.set(LOADING);
    this.snapshot.dispose();
    this.#user?.release();
    this.#user = undefined;
    this.store.users.forgetOnline(this);
  }

  resync(): void {
    this.#fetch();
  }

  #fetch(): void {
    const generation = this.generation;
    this.store.conn.fetch(
      "GET",
      this.#path(),
      {},
      "Get online status",
      (data) => {
        if (generation !== this.generation) return;
        this.#state.set(Object.freeze({ isConnected: Boolean((data as { isConnected?: unknown })?.isConnected) }));
      },
      (error: Error) => {
        if (generation !== this.generation) return;
        this.#state.set(isAbsent(error) ? null : new Failure(error));
      },
    );
  }

  userCreated(): void {
    if (this.live) this.#fetch();
  }

  changed(diff: { isConnected?: boolean }): void {
    if (this.#state.peek() === LOADING) return;
    this.#state.set(Object.freeze({ isConnected: Boolean(diff.isConnected) }));
  }
}
