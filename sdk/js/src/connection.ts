// The realtime connection: one websocket, opened when something needs it and
// closed when nothing has for a while.
//
// - Frames are `[seq, method, path, data, headers]` out and `[seq, status,
//   data]` or `[pubSeq, "PUBLISH", ...events]` in; every PUBLISH is ACKed.
// - Nothing but `POST /session/renew` and `GET /ping` is sent before the
//   socket is authenticated; other calls wait in a queue.
// - A dropped socket is reopened with exponential backoff and jitter; the
//   calls that were in flight are sent again (writes carry idempotency keys
//   or are idempotent), every subscription is renewed, and the stores are
//   told to fetch their state again.
// - 401 renews the token and retries; 429 and 500 retry with backoff; any
//   other failure rejects the call.
// - A token runs out: the server says `session.expired`, or the refresh
//   timer fires first; either way a new token is renewed on the same socket.

import { FatalError, sleep, type TokenSource } from "./auth.js";
import { ApiError } from "./errors.js";
import type { SocketLike } from "./polyfills.js";
import { socketConstructor } from "./polyfills.js";

/** A server event, as it arrives in a PUBLISH frame. */
export type ServerEvent = { readonly type: string } & Record<string, unknown>;

export interface ConnectionOptions {
  url: string;
  tokens: TokenSource;
  /** The events of one PUBLISH frame, to be applied together. */
  onEvents: (events: ServerEvent[]) => void;
  /** The subscriptions were renewed on a new socket or after re-authentication: fetch state again. */
  onResync: () => void;
  /** The session cannot go on. */
  onFatal: (error: Error) => void;
}

interface Call {
  method: string;
  path: string;
  data: unknown;
  operation: string;
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
  attempts: number;
}

/** Heartbeat: ping after this long without sending, or without receiving (ms). */
const SEND_IDLE_PING_MS = 25_000;
const RECEIVE_IDLE_PING_MS = 10_000;
/** How long a ping may go unanswered before the socket counts as dead. */
const PING_TIMEOUT_MS = 5_000;
/** With no call and no subscription for this long, the socket is closed. */
const IDLE_CLOSE_MS = 3_000;
/** Reconnect delays: `min(cap, base × 2^attempt)`, then a random 50–100 % of that. */
const RECONNECT_BASE_MS = 250;
const RECONNECT_CAP_MS = 15_000;
/** Retries of 429 and 500 answers: `min(cap, base × 1.2^attempt)`. */
const RETRY_BASE_MS = 200;
const RETRY_CAP_MS = 30_000;
const MAX_SERVER_ERROR_ATTEMPTS = 10;
/** Tokens with less left than this count as expired (the server's clock may differ). */
const MIN_TOKEN_SECONDS = 120;
/** At most this many user ids go in one `SUBSCRIBE /users`. */
const MAX_USER_BATCH = 1000;

function unref(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

function jitter(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
}

export class Connection {
  readonly #o: ConnectionOptions;
  #socket: SocketLike | undefined;
  /** `ready` once authenticated on the current socket. */
  #ready = false;
  #destroyed = false;
  #seq = 0;
  #inflight = new Map<number, Call>();
  #queue: Call[] = [];
  /** Paths this client wants to be subscribed to, on every socket, with how many want each. */
  #wanted = new Map<string, number>();
  /** User ids to subscribe to in the next `SUBSCRIBE /users`. */
  #userBatch = new Set<string>();
  /** Whether a socket was ever authenticated (a later one then resyncs). */
  #wasReady = false;
  #reconnectAttempt = 0;
  #lastSent = 0;
  #lastReceived = 0;
  #pingDeadline = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** The authentication under way, and the socket it is for. */
  #authenticating: { socket: SocketLike; done: Promise<void> } | undefined;

  constructor(o: ConnectionOptions) {
    this.#o = o;
  }

  /** Sends a call and answers its data, retrying as the protocol says. */
  request(method: string, path: string, data: unknown, operation: string): Promise<unknown> {
    if (this.#destroyed) return Promise.reject(new Error(`${operation} failed: the session was destroyed`));
    return new Promise((resolve, reject) => {
      this.#queue.push({ method, path, data, operation, resolve, reject, attempts: 0 });
      this.#wake();
    });
  }

  /**
   * Like `request`, but the answer is handled synchronously, as its frame is
   * read: before any later frame (an event) is applied. The store fetches
   * with this, so that an event the server published after a response is
   * applied after that response's data, in wire order. (With a promise, the
   * events that came in the same network read would be applied first, and a
   * page fetched before them would then overwrite them.)
   */
  fetch(
    method: string,
    path: string,
    data: unknown,
    operation: string,
    onData: (data: unknown) => void,
    onError: (error: Error) => void,
  ): void {
    if (this.#destroyed) {
      onError(new Error(`${operation} failed: the session was destroyed`));
      return;
    }
    this.#queue.push({ method, path, data, operation, resolve: onData, reject: onError, attempts: 0 });
    this.#wake();
  }

  /**
   * Wants `path` subscribed (on this socket and every later one). Counted:
   * several stores may want the same path (every conversation list shares
   * `/me/conversations`), and it stays subscribed until the last lets go.
   */
  subscribe(path: string): void {
    const n = this.#wanted.get(path) ?? 0;
    this.#wanted.set(path, n + 1);
    if (n > 0) return;
    if (isUserPath(path)) {
      // Users asked for in the same microtask go out as one `SUBSCRIBE /users`.
      if (this.#userBatch.size === 0) queueMicrotask(() => this.#flushUserBatch());
      this.#userBatch.add(userOf(path));
      return;
    }
    this.request("SUBSCRIBE", path, {}, `Subscribe to ${path}`).catch(() => {});
  }

  /** No longer wants `path` (once for every `subscribe`). */
  unsubscribe(path: string): void {
    const n = this.#wanted.get(path);
    if (n === undefined) return;
    if (n > 1) {
      this.#wanted.set(path, n - 1);
      return;
    }
    this.#wanted.delete(path);
    if (isUserPath(path) && this.#userBatch.delete(userOf(path))) return;
    if (this.#ready) this.request("UNSUBSCRIBE", path, {}, `Unsubscribe from ${path}`).catch(() => {});
    this.#maybeIdle();
  }

  #flushUserBatch(): void {
    const ids = [...this.#userBatch];
    this.#userBatch.clear();
    for (let i = 0; i < ids.length; i += MAX_USER_BATCH) {
      const batch = ids.slice(i, i + MAX_USER_BATCH);
      this.request("SUBSCRIBE", "/users", { ids: batch }, "Subscribe to users").catch(() => {});
    }
  }

  /** A new token was given: authenticate the open socket with it, keeping its subscriptions. */
  reauthenticate(): void {
    const socket = this.#socket;
    if (socket && this.#ready && this.#authenticating?.socket !== socket) void this.#authenticate(socket, false);
  }

  /** Whether an authenticated socket is open. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Closes for good; every call still waiting fails. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const error = new Error("The session was destroyed");
    for (const call of [...this.#inflight.values(), ...this.#queue]) call.reject(error);
    this.#inflight.clear();
    this.#queue = [];
    this.#wanted.clear();
    this.#clearTimers();
    this.#closeSocket(1000, "session destroyed");
  }

  // ------------------------------------------------------------ socket

  /** Opens a socket when work is waiting, or sends it on the ready one. */
  #wake(): void {
    if (this.#idleTimer) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
    }
    if (this.#ready) {
      this.#flush();
    } else if (!this.#socket && !this.#reconnectTimer) {
      this.#open();
    }
  }

  #open(): void {
    if (this.#destroyed) return;
    let socket: SocketLike;
    try {
      socket = new (socketConstructor())(this.#o.url);
    } catch (error) {
      this.#o.onFatal(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.#socket = socket;
    this.#seq = 0;
    this.#ready = false;
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#lastReceived = Date.now();
      this.#lastSent = Date.now();
      this.#heartbeat = setInterval(() => this.#beat(socket), 1_000);
      unref(this.#heartbeat);
      void this.#authenticate(socket, false);
    };
    socket.onmessage = (event) => {
      if (this.#socket === socket) this.#receive(String(event.data));
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.#socket === socket) this.#lost();
    };
  }

  #send(frame: unknown[]): void {
    this.#lastSent = Date.now();
    this.#socket?.send(JSON.stringify(frame));
  }

  #closeSocket(code: number, reason: string): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#ready = false;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      try {
        socket.close(code, reason);
      } catch {
        // Already closing.
      }
    }
  }

  /** The socket went away: calls in flight wait for the next one. */
  #lost(): void {
    this.#closeSocket(1000, "");
    this.#requeueInflight();
    if (this.#destroyed) return;
    if (this.#queue.length > 0 || this.#wanted.size > 0) this.#scheduleReconnect();
  }

  #requeueInflight(): void {
    const again = [...this.#inflight.values()].filter((c) => c.method !== "GET" || c.path !== "/ping");
    this.#inflight.clear();
    this.#queue.unshift(...again);
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer || this.#destroyed) return;
    const delay = jitter(Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** this.#reconnectAttempt));
    this.#reconnectAttempt++;
    this.#reconnectTimer = unref(
      setTimeout(() => {
        this.#reconnectTimer = undefined;
        if (!this.#socket) this.#open();
      }, delay),
    );
  }

  #beat(socket: SocketLike): void {
    if (this.#socket !== socket) return;
    const now = Date.now();
    if (this.#pingDeadline && now > this.#pingDeadline) {
      // Nothing came back: the connection is dead even if the socket has not noticed.
      this.#pingDeadline = 0;
      this.#lost();
      return;
    }
    const quiet = now - this.#lastReceived >= RECEIVE_IDLE_PING_MS;
    if ((quiet && !this.#pingDeadline) || now - this.#lastSent >= SEND_IDLE_PING_MS) {
      if (quiet) this.#pingDeadline = now + PING_TIMEOUT_MS;
      this.#call({
        method: "GET",
        path: "/ping",
        data: {},
        operation: "Ping",
        resolve: () => {},
        reject: () => {},
        attempts: 0,
      });
    }
  }

  // ------------------------------------------------------------ authentication

  /** Renews on `socket` with the current token (or a fresh one). */
  #authenticate(socket: SocketLike, fresh: boolean): Promise<void> {
    if (this.#authenticating?.socket === socket) return this.#authenticating.done;
    const run = async (): Promise<void> => {
      let wantFresh = fresh;
      for (let attempt = 0; this.#socket === socket && !this.#destroyed; attempt++) {
        let token: string;
        try {
          token = await this.#o.tokens.get(wantFresh);
        } catch (error) {
          this.#o.onFatal(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (this.#socket !== socket) return;
        const answer = await this.#renew(token);
        if (this.#socket !== socket) return;
        if (answer.status === 200) {
          const seconds = (answer.data as { expiresInSeconds?: number | null } | null)?.expiresInSeconds ?? null;
          if (seconds !== null && seconds < MIN_TOKEN_SECONDS) {
            wantFresh = true;
            continue;
          }
          this.#authenticated(socket, seconds);
          return;
        }
        if (answer.status === 401) {
          wantFresh = true;
          if (attempt > 0) await sleep(Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 1.2 ** attempt));
          continue;
        }
        if (answer.status === 400 || answer.status === 402) {
          const why = new ApiError("Authenticate", answer.status, answer.data).message;
          this.#o.onFatal(new FatalError(`Could not authenticate the session: ${why}`));
          return;
        }
        // The server cannot authenticate now: a new socket will try again.
        this.#lost();
        return;
      }
    };
    const done = run().finally(() => {
      if (this.#authenticating?.done === done) this.#authenticating = undefined;
    });
    this.#authenticating = { socket, done };
    return done;
  }

  /** Sends `POST /session/renew` (outside the queue) and answers its outcome. */
  #renew(token: string): Promise<{ status: number; data: unknown }> {
    return new Promise((resolve) => {
      this.#call(
        {
          method: "POST",
          path: "/session/renew",
          data: { token },
          operation: "Authenticate",
          resolve: (data) => resolve({ status: 200, data }),
          reject: (error) => resolve({ status: (error as ApiError).status ?? 0, data: errorData(error) }),
          attempts: 0,
        },
        true,
      );
    });
  }

  #authenticated(socket: SocketLike, seconds: number | null): void {
    if (this.#ready) {
      // A refresh in place: the server kept this socket's subscriptions.
      this.#scheduleRefresh(socket, seconds);
      return;
    }
    const resync = this.#wasReady;
    this.#ready = true;
    this.#wasReady = true;
    this.#reconnectAttempt = 0;
    this.#scheduleRefresh(socket, seconds);
    this.#resubscribe();
    if (resync) this.#o.onResync();
    this.#flush();
    this.#maybeIdle();
  }

  /** A new token before this one runs out, renewed on the same socket. */
  #scheduleRefresh(socket: SocketLike, seconds: number | null): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    if (seconds === null || !this.#o.tokens.refreshable) return;
    const lead = seconds > 600 ? seconds - 300 : seconds / 2;
    const delay = Math.min(lead, 20 * 24 * 3600) * 1000;
    this.#refreshTimer = unref(
      setTimeout(() => {
        this.#refreshTimer = undefined;
        if (this.#socket === socket && this.#ready) void this.#authenticate(socket, true);
      }, delay),
    );
  }

  /** Sends every wanted subscription on a freshly authenticated socket. */
  #resubscribe(): void {
    const users: string[] = [];
    const calls: Call[] = [];
    const quiet = { resolve: () => {}, reject: () => {}, attempts: 0 };
    this.#userBatch.clear();
    for (const p of this.#wanted.keys()) {
      if (isUserPath(p)) {
        users.push(userOf(p));
      } else {
        calls.push({ method: "SUBSCRIBE", path: p, data: {}, operation: `Subscribe to ${p}`, ...quiet });
      }
    }
    for (let i = 0; i < users.length; i += MAX_USER_BATCH) {
      const ids = users.slice(i, i + MAX_USER_BATCH);
      calls.push({ method: "SUBSCRIBE", path: "/users", data: { ids }, operation: "Subscribe to users", ...quiet });
    }
    // Queued subscriptions of the old socket are replaced by these.
    this.#queue = this.#queue.filter((c) => c.method !== "SUBSCRIBE" && c.method !== "UNSUBSCRIBE");
    this.#queue.unshift(...calls);
  }

  // ------------------------------------------------------------ calls

  #flush(): void {
    while (this.#ready && this.#queue.length > 0) {
      const call = this.#queue.shift();
      if (call) this.#call(call);
    }
  }

  /** Puts `call` on the wire (`unauthenticated`: before the socket is ready). */
  #call(call: Call, unauthenticated = false): void {
    if (!this.#socket || (!this.#ready && !unauthenticated && call.path !== "/ping")) {
      this.#queue.push(call);
      return;
    }
    const seq = this.#seq++;
    this.#inflight.set(seq, call);
    this.#send([seq, call.method, call.path, call.data, {}]);
  }

  #receive(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(frame)) return;
    this.#lastReceived = Date.now();
    this.#pingDeadline = 0;
    if (frame[1] === "PUBLISH") {
      this.#send([frame[0], "ACK"]);
      this.#publish(frame.slice(2) as ServerEvent[]);
      return;
    }
    const [seq, status, data] = frame as [number, number, unknown];
    const call = this.#inflight.get(seq);
    if (!call) return;
    this.#inflight.delete(seq);
    this.#answer(call, status, data);
    this.#maybeIdle();
  }

  #publish(events: ServerEvent[]): void {
    const rest: ServerEvent[] = [];
    let expired = false;
    for (const e of events) {
      if (e.type === "session.expired") expired = true;
      else if (e.type !== "upstream.restarting") rest.push(e);
    }
    if (rest.length > 0) this.#o.onEvents(rest);
    if (expired) this.#expired();
  }

  /** The server dropped this socket's authentication and subscriptions. */
  #expired(): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#ready = false;
    this.#requeueInflight();
    void this.#authenticate(socket, true);
  }

  #answer(call: Call, status: number, data: unknown): void {
    if (status === 200) {
      call.resolve(data);
      return;
    }
    const isRenew = call.path === "/session/renew" && call.method === "POST";
    if (isRenew) {
      call.reject(Object.assign(new ApiError(call.operation, status, data), { data }));
      return;
    }
    if (status === 401) {
      // The token was refused: get another, then try again.
      call.attempts++;
      this.#queue.unshift(call);
      const socket = this.#socket;
      if (socket && this.#ready) {
        this.#ready = false;
        this.#requeueInflight();
        void this.#authenticate(socket, true);
      }
      return;
    }
    const retriable = status === 429 || (status === 500 && call.attempts + 1 < MAX_SERVER_ERROR_ATTEMPTS);
    if (retriable) {
      const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 1.2 ** call.attempts);
      call.attempts++;
      unref(
        setTimeout(() => {
          if (this.#destroyed) return;
          this.#queue.push(call);
          this.#wake();
        }, delay),
      );
      return;
    }
    call.reject(new ApiError(call.operation, status, data));
  }

  /** Closes the socket after a quiet spell with nothing waiting and nothing subscribed. */
  #maybeIdle(): void {
    if (this.#idleTimer || !this.#socket) return;
    if (this.#queue.length > 0 || this.#inflight.size > 0 || this.#wanted.size > 0) return;
    this.#idleTimer = unref(
      setTimeout(() => {
        this.#idleTimer = undefined;
        if (this.#queue.length === 0 && this.#inflight.size === 0 && this.#wanted.size === 0) {
          this.#closeSocket(1000, "idle");
        }
      }, IDLE_CLOSE_MS),
    );
  }

  #clearTimers(): void {
    for (const t of [this.#idleTimer, this.#reconnectTimer, this.#refreshTimer]) if (t) clearTimeout(t);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#idleTimer = undefined;
    this.#reconnectTimer = undefined;
    this.#refreshTimer = undefined;
    this.#heartbeat = undefined;
  }
}

function errorData(error: Error): unknown {
  return (error as { data?: unknown }).data ?? null;
}

/** `/users/{id}`: subscribed to in `SUBSCRIBE /users` batches. */
function isUserPath(p: string): boolean {
  return p.startsWith("/users/") && p.indexOf("/", 7) === -1;
}

function userOf(p: string): string {
  return decodeURIComponent(p.slice("/users/".length));
}
