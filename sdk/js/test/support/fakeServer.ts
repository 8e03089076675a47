// A scripted in-process realtime server for the store's unit tests: it
// speaks the wire protocol (renew, ping, SUBSCRIBE, GETs of users, sides,
// messages and participants from a small in-memory model), records every
// frame, and lets a test push events, refuse calls or drop the socket.

import { registerPolyfills } from "../../src/index.js";

export type Frame = unknown[];

export interface Message {
  id: string;
  type: "UserMessage" | "SystemMessage";
  senderId: string | null;
  custom: Record<string, string>;
  createdAt: number;
  editedAt: number | null;
  referencedMessageId: string | null;
  origin: "rest";
  content: unknown[];
  reactions: Record<string, { count: number; currentUserReacted: boolean; createdAt: number }>;
}

export interface Side {
  id: string;
  subject: string | null;
  photoUrl: string | null;
  welcomeMessages: string[];
  custom: Record<string, string>;
  createdAt: number;
  joinedAt: number;
  lastMessageAt: number;
  unreadMessageCount: number;
  isUnread: boolean;
  access: "ReadWrite" | "Read";
  notify: boolean | "MentionsOnly";
  readUntil: number;
  everyoneReadUntil: number;
}

export function user(id: string, name = `User ${id}`) {
  return { id, name, custom: {}, locale: null, photoUrl: null, role: "default", welcomeMessage: null };
}

export function message(
  id: string,
  senderId: string,
  createdAt: number,
  text = id,
  extra: Partial<Message> = {},
): Message {
  return {
    id,
    type: "UserMessage",
    senderId,
    custom: {},
    createdAt,
    editedAt: null,
    referencedMessageId: null,
    origin: "rest",
    content: [{ type: "text", children: [text] }],
    reactions: {},
    ...extra,
  };
}

export function side(id: string, lastMessageAt: number, extra: Partial<Side> = {}): Side {
  return {
    id,
    subject: null,
    photoUrl: null,
    welcomeMessages: [],
    custom: {},
    createdAt: 1,
    joinedAt: 1,
    lastMessageAt,
    unreadMessageCount: 0,
    isUnread: false,
    access: "ReadWrite",
    notify: true,
    readUntil: 0,
    everyoneReadUntil: 0,
    ...extra,
  };
}

/** An answer; `followedBy`: events published right behind it (as if in the same network read). */
type Reply = { status: number; data: unknown; followedBy?: Record<string, unknown>[] };
type Handler = (
  method: string,
  path: string,
  data: Record<string, unknown>,
) => Reply | undefined | Promise<Reply | undefined>;

export class FakeServer {
  static current: FakeServer | undefined;
  readonly sockets: FakeSocket[] = [];
  /** Every frame the clients sent, in order. */
  readonly received: Frame[] = [];
  readonly users = new Map<string, ReturnType<typeof user>>();
  readonly sides = new Map<string, Side>();
  /** Messages per conversation, newest first. */
  readonly messages = new Map<string, Message[]>();
  /** Overrides, tried before the model. */
  handlers: Handler[] = [];
  /** How many times each `GET path` was answered. */
  readonly gets = new Map<string, number>();
  #pubSeq = new WeakMap<FakeSocket, number>();

  constructor() {
    FakeServer.current = this;
    registerPolyfills({ WebSocket: FakeSocket });
  }

  /** Sends events in one PUBLISH frame to every open socket. */
  push(...events: Record<string, unknown>[]): void {
    for (const s of this.sockets) if (s.readyState === 1) this.pushTo(s, events);
  }

  pushTo(s: FakeSocket, events: Record<string, unknown>[]): void {
    const seq = (this.#pubSeq.get(s) ?? 0) + 1;
    this.#pubSeq.set(s, seq);
    s.deliver([seq, "PUBLISH", ...events]);
  }

  /** Requests (not ACKs) with `method` and `path`. */
  requests(method?: string, path?: string): Frame[] {
    return this.received.filter(
      (f) => typeof f[1] === "string" && f[1] !== "ACK" && (!method || f[1] === method) && (!path || f[2] === path),
    );
  }

  get open(): FakeSocket[] {
    return this.sockets.filter((s) => s.readyState === 1);
  }

  /** Drops every open socket, as a network failure would. */
  dropAll(): void {
    for (const s of this.open) s.serverClose(1006);
  }

  async handle(socket: FakeSocket, frame: Frame): Promise<void> {
    this.received.push(frame);
    const [seq, method, path, data] = frame as [number, string, string, Record<string, unknown>];
    if (method === "ACK") return;
    let reply: Reply | undefined;
    for (const h of this.handlers) {
      reply = await h(method, path, data ?? {});
      if (reply) break;
    }
    reply ??= this.#model(method, path, data ?? {});
    if (method === "GET") this.gets.set(path, (this.gets.get(path) ?? 0) + 1);
    socket.deliver([seq, reply.status, reply.data]);
    if (reply.followedBy) this.pushTo(socket, reply.followedBy);
  }

  #model(method: string, path: string, data: Record<string, unknown>): Reply {
    const ok = (d: unknown = {}): Reply => ({ status: 200, data: d });
    const notFound = (code: string): Reply => ({ status: 404, data: { errorCode: code, reasons: ["not found"] } });
    if (method === "POST" && path === "/session/renew") return ok({ expiresInSeconds: 86400 });
    if (method === "SUBSCRIBE" || method === "UNSUBSCRIBE") return ok();
    if (method === "GET" && path === "/ping") return ok();
    if (method === "GET" && path === "/users") {
      const out: Record<string, unknown> = {};
      for (const id of data.ids as string[]) {
        const u = this.users.get(id);
        if (u) out[id] = u;
      }
      return ok(out);
    }
    const parts = path.split("/").map(decodeURIComponent);
    if (method === "GET" && parts[1] === "me" && parts[2] === "conversations") {
      if (parts.length === 3) {
        // Filters: only `custom: {key: ["==", value]}`, all the tests use.
        const custom = (data.filter as { custom?: Record<string, [string, string]> } | undefined)?.custom ?? {};
        const all = [...this.sides.values()]
          .filter((c) => Object.entries(custom).every(([k, [, v]]) => c.custom[k] === v))
          .sort((a, b) => b.lastMessageAt - a.lastMessageAt || (a.id < b.id ? -1 : 1));
        return ok(page(all, data));
      }
      const cid = parts[3] as string;
      const s = this.sides.get(cid);
      if (!s) return { status: 403, data: { errorCode: "NOT_A_PARTICIPANT", reasons: ["no"] } };
      if (parts.length === 4) return ok(s);
      if (parts[4] === "messages" && parts.length === 5) return ok(page(this.messages.get(cid) ?? [], data));
      if (parts[4] === "messages" && parts.length === 6) {
        const m = (this.messages.get(cid) ?? []).find((x) => x.id === parts[5]);
        return m ? ok(m) : notFound("MESSAGE_NOT_FOUND");
      }
      if (parts[4] === "typing") return ok({ many: false, usersTyping: {} });
    }
    if (method === "POST" && parts[1] === "conversations" && parts[3] === "messages") {
      return ok({ id: `m-${this.received.length}` });
    }
    return ok();
  }
}

/** `{limit, cursor}` paging over `items` (the cursor is an offset). */
function page<T>(items: T[], data: Record<string, unknown>): { data: T[]; cursor: string | null } {
  const start = typeof data.cursor === "string" ? Number(data.cursor) : 0;
  const limit = Number(data.limit ?? 30);
  const slice = items.slice(start, start + limit);
  const end = start + slice.length;
  return { data: slice, cursor: end < items.length ? String(end) : null };
}

export class FakeSocket {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly server: FakeServer;

  constructor(readonly url: string) {
    const server = FakeServer.current;
    if (!server) throw new Error("no FakeServer");
    this.server = server;
    server.sockets.push(this);
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    const frame = JSON.parse(data) as Frame;
    void this.server.handle(this, frame);
  }

  deliver(frame: Frame): void {
    queueMicrotask(() => {
      if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(frame) });
    });
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code, reason }));
  }

  serverClose(code: number): void {
    this.close(code, "server");
  }
}

/** Resolves once `f()` is truthy (polling every few ms), or fails after `ms`. */
export async function until<T>(f: () => T | undefined | null | false, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${f.toString()}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
