// The normalised client-side store: one entry per user, conversation,
// message and participant, kept fresh by the server's events while anything
// wants it, and turned into immutable snapshots that are reused while
// nothing in them changed.

import type { Connection, ServerEvent } from "../connection.js";
import type { ConversationFilter } from "../types.js";
import { path } from "../urls.js";
import { ConvStore } from "./conversation.js";
import { ConversationList } from "./list.js";
import { batch } from "./signals.js";
import { Users } from "./users.js";
import type { WireUser } from "./wire.js";

export class Store {
  readonly users: Users;
  readonly convs = new Map<string, ConvStore>();
  readonly lists = new Set<ConversationList>();

  constructor(
    readonly conn: Connection,
    /** The current user's id. */
    readonly me: string,
  ) {
    this.users = new Users(this);
  }

  path(...segments: string[]): string {
    return path(...segments);
  }

  /** The store of conversation `id` (created on first use). */
  conv(id: string): ConvStore {
    let c = this.convs.get(id);
    if (!c) {
      c = new ConvStore(this, id);
      this.convs.set(id, c);
    }
    return c;
  }

  /** Lets go of a conversation's store once nothing in it is held. */
  maybeForget(c: ConvStore): void {
    if (c.empty && this.convs.get(c.id) === c) this.convs.delete(c.id);
  }

  /** A conversation list with `filter`, acquired. */
  acquireList(filter: ConversationFilter | undefined): ConversationList {
    const list = new ConversationList(this, filter);
    this.lists.add(list);
    list.acquire();
    return list;
  }

  /** Applies the events of one PUBLISH frame; snapshots are rebuilt once, after all of them. */
  apply(events: ServerEvent[]): void {
    batch(() => {
      for (const e of events) this.#apply(e);
    });
  }

  #apply(e: ServerEvent): void {
    switch (e.type) {
      case "user.created":
        this.users.userCreated(e.userId as string, e.state as WireUser);
        if (e.userId === this.me) for (const l of this.lists) l.meCreated();
        return;
      case "user.edited":
        this.users.userEdited(e.userId as string, e.diff as Record<string, unknown>);
        return;
      case "user.online.changed":
        this.users.onlineChanged(e.userId as string, e.diff as { isConnected?: boolean });
        return;
    }
    const cid = e.conversationId;
    if (typeof cid !== "string") return;
    this.convs.get(cid)?.apply(e);
    switch (e.type) {
      case "side.created":
      case "side.edited":
      case "side.deleted":
      case "conversation.edited":
        for (const l of this.lists) l.sideEvent(e);
        break;
      case "participant.edited":
        if (e.userId === this.me) for (const l of this.lists) l.sideEvent(e);
        break;
    }
  }

  /** Lets go of everything at once (the session ended). */
  dropAll(): void {
    for (const l of [...this.lists]) l.drop();
    for (const c of [...this.convs.values()]) c.dropAll();
    this.users.dropAll();
  }

  /** The connection was re-established: fetch everything held again. */
  resync(): void {
    batch(() => {
      this.users.resync();
      for (const c of this.convs.values()) c.resync();
      for (const l of this.lists) l.resync();
    });
  }
}
