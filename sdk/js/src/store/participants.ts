// Participants: one entry per (conversation, user), shared by the
// participant window and single-participant subscriptions.

import type { Connection } from "../connection.js";
import { ApiError } from "../errors.js";
import type { ParticipantSnapshot } from "../types.js";
import type { ConvStore } from "./conversation.js";
import { Resource } from "./resource.js";
import {
  Derived,
  Failure,
  isPending,
  LOADING,
  type Pending,
  read,
  SnapshotList,
  Source,
  sameFields,
} from "./signals.js";
import type { UserResource } from "./users.js";
import { PagedWindow, pageSize } from "./window.js";
import { applyDiff, isAbsent, type WirePage, type WireParticipant } from "./wire.js";

export const PARTICIPANT_PAGE = 10;
export const MAX_PARTICIPANT_PAGE = 50;

export class ParticipantEntity {
  #refs = 0;
  readonly wire = new Source<WireParticipant | null | Pending>(LOADING);
  #user: UserResource | undefined;
  readonly snapshot: Derived<ParticipantSnapshot | null>;

  constructor(
    readonly conv: ConvStore,
    readonly userId: string,
  ) {
    this.snapshot = new Derived(() => {
      const w = read(this.wire);
      if (w === null || !this.#user) return null;
      const user = read(this.#user.value);
      if (user === null) return null;
      return Object.freeze({ user, access: w.access, notify: w.notify, joinedAt: w.joinedAt });
    }, sameFields);
  }

  acquire(): void {
    if (this.#refs++ === 0) this.#user = this.conv.store.users.acquire(this.userId);
  }

  release(): void {
    if (--this.#refs > 0) return;
    this.snapshot.dispose();
    this.#user?.release();
    this.#user = undefined;
    if (this.conv.participants.get(this.userId) === this) this.conv.participants.delete(this.userId);
    this.conv.store.maybeForget(this.conv);
  }

  get value(): WireParticipant | null | Pending {
    return this.wire.peek();
  }

  set(w: WireParticipant | null): void {
    this.wire.set(
      w === null ? null : Object.freeze({ id: w.id, access: w.access, notify: w.notify, joinedAt: w.joinedAt }),
    );
  }

  edited(diff: Record<string, unknown>): void {
    const w = this.wire.peek();
    if (w !== null && !isPending(w)) {
      this.set(applyDiff({ ...w, custom: {} }, diff));
    }
  }
}

/** Newest joiner first, then by user id (the server's order). */
function before(a: WireParticipant, b: WireParticipant): boolean {
  return a.joinedAt > b.joinedAt || (a.joinedAt === b.joinedAt && a.id < b.id);
}

/** `ConversationRef.subscribeParticipants`. */
export class ParticipantWindow extends PagedWindow<WireParticipant> {
  protected readonly noun = "participants";
  readonly #list = new SnapshotList<ParticipantSnapshot | null>();
  #held: ParticipantEntity[] = [];
  readonly snapshot: Derived<ParticipantSnapshot[] | null>;

  constructor(readonly conv: ConvStore) {
    super();
    this.snapshot = new Derived(() => {
      if (read(this.status) === null) return null;
      const list = read(this.#list);
      return (list.includes(null) ? list.filter((p) => p !== null) : list) as ParticipantSnapshot[];
    });
  }

  protected get conn(): Connection {
    return this.conv.store.conn;
  }

  protected path(): string {
    return this.conv.path("participants");
  }

  /** After a reconnect, as many as were shown, so the window does not shrink. */
  protected firstLimit(): number {
    return Math.max(PARTICIPANT_PAGE, Math.min(MAX_PARTICIPANT_PAGE, this.#held.length));
  }

  protected moreLimit(count: number | undefined): number {
    return pageSize(count, PARTICIPANT_PAGE, MAX_PARTICIPANT_PAGE);
  }

  protected clear(): void {
    this.#setHeld([]);
  }

  protected dispose(): void {
    this.snapshot.dispose();
    this.#list.dispose();
    if (this.conv.participantWindow === this) this.conv.participantWindow = undefined;
    this.conv.store.maybeForget(this.conv);
  }

  protected takeFirst(page: WirePage<WireParticipant>): void {
    const fresh = page.data.map((p) => this.conv.acquireParticipant(p.id, p));
    this.#setHeld(fresh);
    for (const p of fresh) p.release();
    this.cursor = page.cursor;
    this.loadedAll.set(page.cursor === null);
  }

  protected takeMore(page: WirePage<WireParticipant>): void {
    const known = new Set(this.#held.map((p) => p.userId));
    const added = page.data.filter((p) => !known.has(p.id)).map((p) => this.conv.acquireParticipant(p.id, p));
    this.#setHeld([...this.#held, ...added]);
    for (const p of added) p.release();
    this.cursor = page.cursor;
    this.loadedAll.set(page.cursor === null);
  }

  #setHeld(next: ParticipantEntity[]): void {
    const old = this.#held;
    const beforeSet = new Set(old);
    const after = new Set(next);
    for (const p of next) if (!beforeSet.has(p)) p.acquire();
    this.#held = next;
    this.#list.setItems(next.map((p) => p.snapshot));
    for (const p of old) if (!after.has(p)) p.release();
  }

  /** `participant.created`: every new participant is shown. */
  created(userId: string, w: WireParticipant): void {
    if (this.status.peek() !== true) return;
    if (this.#held.some((p) => p.userId === userId)) return;
    const entity = this.conv.acquireParticipant(userId, w);
    let i = 0;
    while (i < this.#held.length) {
      const v = (this.#held[i] as ParticipantEntity).value;
      if (isPending(v) || v === null || before(w, v)) break;
      i++;
    }
    const next = this.#held.slice();
    next.splice(i, 0, entity);
    this.#setHeld(next);
    entity.release();
  }

  deleted(userId: string): void {
    if (this.status.peek() !== true) return;
    const next = this.#held.filter((p) => p.userId !== userId);
    if (next.length !== this.#held.length) this.#setHeld(next);
  }
}

/** What a single-participant fetch found. */
type Outcome = "found" | "notParticipant";

/** `ParticipantRef.subscribe` / `get`. */
export class SingleParticipant extends Resource {
  readonly outcome = new Source<Outcome | Pending>(LOADING);
  #entity: ParticipantEntity | undefined;
  readonly snapshot: Derived<ParticipantSnapshot | null>;

  constructor(
    readonly conv: ConvStore,
    readonly userId: string,
  ) {
    super();
    this.snapshot = new Derived(() => {
      if (read(this.outcome) === "notParticipant" || !this.#entity) return null;
      return read(this.#entity.snapshot);
    });
  }

  #path(): string {
    return this.conv.path("participants", this.userId);
  }

  protected start(): void {
    this.#entity = this.conv.acquireParticipant(this.userId);
    this.conv.store.conn.subscribe(this.#path());
    this.#fetch();
  }

  protected stop(): void {
    this.conv.store.conn.unsubscribe(this.#path());
    this.outcome.set(LOADING);
    this.snapshot.dispose();
    this.#entity?.release();
    this.#entity = undefined;
    if (this.conv.singleParticipants.get(this.userId) === this) this.conv.singleParticipants.delete(this.userId);
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
      "Get participant",
      (data) => {
        if (generation !== this.generation) return;
        this.#entity?.set(data as WireParticipant);
        this.outcome.set("found");
      },
      (error: Error) => {
        if (generation !== this.generation) return;
        const code = (error as ApiError).errorCode;
        if (
          (error as ApiError).status === 404 &&
          code === "PARTICIPANT_NOT_FOUND" &&
          this.userId !== this.conv.store.me
        ) {
          // The current user is in the conversation; this user is not.
          this.#entity?.set(null);
          this.outcome.set("found");
        } else if (isAbsent(error)) {
          this.#entity?.set(null);
          this.outcome.set("notParticipant");
        } else {
          this.outcome.set(new Failure(error));
        }
      },
    );
  }

  /** Why `get()` of someone else rejects when the current user is not in the conversation. */
  notParticipantFailure(): Failure {
    return new Failure(
      new ApiError("Get participant", 403, {
        errorCode: "NOT_A_PARTICIPANT",
        reasons: [`The current user is not a participant of the conversation ${this.conv.id}`],
      }),
    );
  }

  joined(): void {
    if (this.live && this.outcome.peek() === "notParticipant") this.#fetch();
  }

  left(): void {
    if (!this.live) return;
    this.#entity?.set(null);
    this.outcome.set("notParticipant");
  }
}
