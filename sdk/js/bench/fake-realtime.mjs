// An in-process stand-in for the realtime side of a Chinwag (or TalkJS)
// server, for benchmarks: a WebSocket class that talks to a tiny fake server
// in the same process. No network, no real server.
//
// It speaks the wire protocol of `@talkjs/core` 1.12
// (/work/shared/reference/talkjs-wire-protocol.md §2–§6, docs/protocol.md):
//
// - client → server `[seq, method, path, data, headers]`, answered
//   `[seq, status, data]`; server → client `[pubSeq, "PUBLISH", ...events]`
//   with pubSeq starting at 1 and strictly increasing, ACKed `[pubSeq, "ACK"]`;
// - `POST /session/renew`, `GET /ping`, SUBSCRIBE/UNSUBSCRIBE, `GET /users`,
//   and one conversation "c1" holding a fixed history of messages.
//
// Like a real socket, everything is asynchronous: the socket opens on a later
// macrotask, every frame the server sends arrives in its own macrotask
// (setImmediate), and what the client sends reaches the server on a microtask.

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** The conversation the fake server knows. */
export const CONVERSATION_ID = "c1";
/** Time of the oldest message of the history (ms). */
export const T0 = 1_700_000_000_000;

function text(s) {
  return [{ type: "text", children: [s] }];
}

export function userId(i) {
  return `u${String(i).padStart(2, "0")}`;
}

export function wireUser(id, name) {
  return { id, name, custom: {}, locale: null, photoUrl: null, role: "default", welcomeMessage: null };
}

export function wireMessage(id, senderId, createdAt, body) {
  return {
    id,
    type: "UserMessage",
    senderId,
    custom: {},
    createdAt,
    editedAt: null,
    referencedMessageId: null,
    origin: "rest",
    content: text(body),
    reactions: {},
  };
}

/**
 * The fake server: `history` older messages in conversation c1, sent by
 * `senders` users; answers the calls the clients make, and publishes frames
 * when told to. It keeps no per-message state, so that it adds next to
 * nothing to the heap being measured.
 */
export class FakeServer {
  /** Every socket ever opened (a benchmark expects exactly one). */
  socketsOpened = 0;
  /** The socket events are published on: the newest open one. */
  socket = undefined;
  /** Calls received, by "METHOD /path" (ids collapsed), for the report. */
  calls = new Map();
  /** Calls the fake server does not know (answered 404). */
  unknown = [];
  /** Called with the pubSeq of every ACK. */
  onAck = undefined;
  #pubSeq = 0;
  /** The current name of every user. */
  names = new Map();

  constructor({ history, senders, me }) {
    this.history = history;
    this.senders = senders;
    this.names.set(me, "Me");
    for (let i = 0; i < senders; i++) this.names.set(userId(i), `User ${i}`);
    this.WebSocket = fakeWebSocketClass(this);
  }

  /** The i-th message of the history, 0 being the oldest. */
  historyMessage(i) {
    return wireMessage(`m${String(i).padStart(4, "0")}`, userId(i % this.senders), T0 + i * 1000, `hello ${i}`);
  }

  /** Sends one PUBLISH frame holding `events` on the current socket; answers its pubSeq. */
  publish(events) {
    const socket = this.socket;
    if (!socket) throw new Error("no socket to publish on");
    this.#pubSeq++;
    socket.deliver(JSON.stringify([this.#pubSeq, "PUBLISH", ...events]));
    return this.#pubSeq;
  }

  /** Clears the call counts (one phase of a benchmark ends). */
  resetCalls() {
    this.calls = new Map();
  }

  opened(socket) {
    this.socketsOpened++;
    this.socket = socket;
    this.#pubSeq = 0;
  }

  closed(socket) {
    if (this.socket === socket) this.socket = undefined;
  }

  /** A frame from the client. */
  receive(socket, frameText) {
    const frame = JSON.parse(frameText);
    if (frame[1] === "ACK") {
      this.onAck?.(frame[0]);
      return;
    }
    const [seq, method, path, data] = frame;
    const segments = path.split("/").slice(1).map(decodeURIComponent);
    const key = `${method} /${segments.map((s, i) => (i > 0 && /\d/.test(s) ? "{id}" : s)).join("/")}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    const [status, body] = this.#answer(method, segments, data ?? {});
    if (status === 404) this.unknown.push(`${method} ${path}`);
    socket.deliver(JSON.stringify([seq, status, body]));
  }

  #answer(method, s, data) {
    const route = `${method} ${s.join("/")}`;
    if (route === "POST session/renew") return [200, { expiresInSeconds: 86400 }];
    if (route === "GET ping") return [200, {}];
    if (method === "SUBSCRIBE" || method === "UNSUBSCRIBE") return [200, {}];
    if (route === "GET users") {
      const out = {};
      for (const id of data.ids ?? []) {
        const name = this.names.get(id);
        if (name !== undefined) out[id] = wireUser(id, name);
      }
      return [200, out];
    }
    if (method === "GET" && s[0] === "me" && s[1] === "conversations" && s[2] === CONVERSATION_ID) {
      if (s.length === 3) return [200, this.#conversation()];
      if (s.length === 4 && s[3] === "messages") return [200, this.#page(data)];
    }
    return [404, { errorCode: "NOT_FOUND", reasons: [`the fake server does not serve ${route}`] }];
  }

  /** A page of the history, newest first; the cursor is the offset from the newest. */
  #page({ limit, cursor }) {
    const from = cursor ? Number(cursor.slice(1)) : 0;
    const to = Math.min(this.history, from + Math.max(1, Math.min(100, limit ?? 30)));
    const data = [];
    for (let k = from; k < to; k++) data.push(this.historyMessage(this.history - 1 - k));
    return { data, cursor: to < this.history ? `o${to}` : null };
  }

  #conversation() {
    const newest = T0 + (this.history - 1) * 1000;
    return {
      id: CONVERSATION_ID,
      subject: "Bench",
      photoUrl: null,
      welcomeMessages: [],
      custom: {},
      createdAt: T0 - 1000,
      joinedAt: T0 - 1000,
      lastMessageAt: newest,
      unreadMessageCount: 0,
      isUnread: false,
      access: "ReadWrite",
      notify: true,
      readUntil: newest,
      everyoneReadUntil: newest,
    };
  }
}

/** A WebSocket class (the part of the browser API the clients use) connected to `server`. */
function fakeWebSocketClass(server) {
  return class FakeWebSocket {
    static CONNECTING = CONNECTING;
    static OPEN = OPEN;
    static CLOSING = CLOSING;
    static CLOSED = CLOSED;
    CONNECTING = CONNECTING;
    OPEN = OPEN;
    CLOSING = CLOSING;
    CLOSED = CLOSED;

    readyState = CONNECTING;
    protocol = "";
    extensions = "";
    binaryType = "blob";
    bufferedAmount = 0;
    onopen = null;
    onmessage = null;
    onclose = null;
    onerror = null;
    #listeners = new Map();

    constructor(url) {
      this.url = String(url);
      setImmediate(() => {
        if (this.readyState !== CONNECTING) return;
        this.readyState = OPEN;
        server.opened(this);
        this.#dispatch("open", { type: "open" });
      });
    }

    addEventListener(type, listener, options) {
      if (!listener) return;
      let list = this.#listeners.get(type);
      if (!list) {
        list = [];
        this.#listeners.set(type, list);
      }
      if (!list.some((l) => l.listener === listener)) list.push({ listener, once: Boolean(options?.once) });
    }

    removeEventListener(type, listener) {
      const list = this.#listeners.get(type);
      if (list)
        this.#listeners.set(
          type,
          list.filter((l) => l.listener !== listener),
        );
    }

    send(data) {
      if (this.readyState !== OPEN) throw new Error(`send on a socket in state ${this.readyState}`);
      const frame = String(data);
      queueMicrotask(() => {
        if (this.readyState === OPEN) server.receive(this, frame);
      });
    }

    close(code = 1000, reason = "") {
      if (this.readyState === CLOSING || this.readyState === CLOSED) return;
      this.readyState = CLOSING;
      setImmediate(() => {
        this.readyState = CLOSED;
        server.closed(this);
        this.#dispatch("close", { type: "close", code, reason, wasClean: true });
      });
    }

    /** Server side: a text frame for the client, delivered in its own macrotask. */
    deliver(frame) {
      setImmediate(() => {
        if (this.readyState === OPEN) this.#dispatch("message", { type: "message", data: frame });
      });
    }

    #dispatch(type, event) {
      const handler = this[`on${type}`];
      if (typeof handler === "function") handler.call(this, event);
      const list = this.#listeners.get(type);
      if (!list) return;
      for (const l of [...list]) {
        if (l.once) this.removeEventListener(type, l.listener);
        if (typeof l.listener === "function") l.listener.call(this, event);
        else l.listener.handleEvent(event);
      }
    }
  };
}
