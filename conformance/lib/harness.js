// The conformance harness: starts a real `chinwag serve`, drives the
// unmodified official `@talkjs/core` client against it, and turns every wait
// into a bounded one so that a broken server fails a test instead of hanging.
//
// Environment:
//   CHINWAG_BIN   path of the server binary (default ../target/debug/chinwag,
//                 relative to conformance/)
//   CHINWAG_TEST_DATABASE_URL  a PostgreSQL server (postgres://…/postgres):
//                 each test server then runs on a new database of its own
//                 there, dropped at cleanup; unset, on SQLite in its data dir
//   DEBUG         "frames" (or "1", "*") prints every websocket frame, client
//                 HTTP request, client console warning and server log line
//                 live to stderr. Failures always carry the recent ones.

import { spawn, execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createHmac, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, before, after } from 'node:test';

import WebSocket from 'ws';

// The client under test: the official `@talkjs/core` (default), or our own
// `@chinwag/core` built in ../sdk/js/dist (`CHINWAG_CLIENT=chinwag`). The
// scenarios are the same for both.
export const CLIENT = process.env.CHINWAG_CLIENT ?? 'official';
if (CLIENT !== 'official' && CLIENT !== 'chinwag') throw new Error(`CHINWAG_CLIENT must be "official" or "chinwag", not ${CLIENT}`);
const client = CLIENT === 'chinwag' ? await import('../../sdk/js/dist/index.js') : await import('@talkjs/core');
const { getTalkSession, registerPolyfills } = client;

const here = path.dirname(fileURLToPath(import.meta.url));
export const CONFORMANCE_DIR = path.resolve(here, '..');
export const BIN = process.env.CHINWAG_BIN
  ? path.resolve(process.env.CHINWAG_BIN)
  : path.resolve(CONFORMANCE_DIR, '../target/debug/chinwag');

const DEBUG = /^(1|\*|true|frames|all)$/i.test(process.env.DEBUG ?? '') ||
  /(^|,)(frames|conformance)(,|$)/.test(process.env.DEBUG ?? '');

// ---------------------------------------------------------------------------
// Trace: websocket frames, client HTTP calls, client console output, server
// stderr. Kept in memory; the tail is attached to every failure.

const trace = [];
const TRACE_MAX = 20000;

function clip(text, n = 400) {
  text = String(text);
  return text.length > n ? `${text.slice(0, n)}…(${text.length} chars)` : text;
}

export function record(who, kind, text) {
  const entry = { t: Date.now(), who, kind, text: String(text) };
  trace.push(entry);
  if (trace.length > TRACE_MAX) trace.splice(0, trace.length - TRACE_MAX);
  if (DEBUG) process.stderr.write(`${new Date(entry.t).toISOString().slice(11, 23)} [${who}] ${kind} ${clip(entry.text, 2000)}\n`);
}

/** Trace entries since `since` (ms), optionally only for some participants. */
export function traceSince(since, whoFilter) {
  return trace.filter((e) => e.t >= since && (!whoFilter || whoFilter(e.who)));
}

/** Every websocket frame text received by `userId` since `since`. */
export function framesReceived(userId, since = 0) {
  return trace.filter((e) => e.t >= since && e.who === userId && e.kind === 'S→C').map((e) => e.text);
}

/** Every websocket frame text sent by `userId` since `since`. */
export function framesSent(userId, since = 0) {
  return trace.filter((e) => e.t >= since && e.who === userId && e.kind === 'C→S').map((e) => e.text);
}

/**
 * Request/response pairs of `userId` since `since`, matched by seq within
 * each socket (sockets are numbered from 0 in connection order):
 * [{ socket, seq, method, path, data, status, response, sentAt, answeredAt }].
 * `status` is undefined while unanswered.
 */
export function exchanges(userId, since = 0, filter = () => true) {
  const out = [];
  const open = new Map();
  let socket = -1;
  for (const e of trace) {
    if (e.t < since || e.who !== userId) continue;
    if (e.kind === 'ws' && e.text.startsWith('connect ')) {
      socket += 1;
      open.clear();
      continue;
    }
    if (e.kind !== 'C→S' && e.kind !== 'S→C') continue;
    let frame;
    try {
      frame = JSON.parse(e.text);
    } catch {
      continue;
    }
    if (!Array.isArray(frame)) continue;
    if (e.kind === 'C→S' && typeof frame[1] === 'string' && frame[1] !== 'ACK') {
      const x = { socket, seq: frame[0], method: frame[1], path: frame[2], data: frame[3], sentAt: e.t };
      open.set(frame[0], x);
      out.push(x);
    } else if (e.kind === 'S→C' && typeof frame[1] === 'number') {
      const x = open.get(frame[0]);
      if (x) {
        x.status = frame[1];
        x.response = frame[2];
        x.answeredAt = e.t;
        open.delete(frame[0]);
      }
    }
  }
  return out.filter(filter);
}

/** Events (objects inside PUBLISH frames) received by `userId` since `since`, with their time. */
export function eventsReceived(userId, since = 0) {
  const out = [];
  for (const e of trace) {
    if (e.t < since || e.who !== userId || e.kind !== 'S→C') continue;
    let frame;
    try {
      frame = JSON.parse(e.text);
    } catch {
      continue;
    }
    if (Array.isArray(frame) && frame[1] === 'PUBLISH') {
      for (const ev of frame.slice(2)) out.push({ t: e.t, pubSeq: frame[0], event: ev });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// A tapped WebSocket for the client: logs every frame, keeps a registry of
// open sockets per user so a test can drop them from outside, and swallows
// the `error` event (ws throws on an unhandled one; the client only listens
// to open/close/message and reconnects on close).

const liveSockets = new Map(); // userId -> Set<TappedWebSocket>

function userFromUrl(url) {
  const m = /\/realtime\/([^?]*)/.exec(String(url));
  return m ? decodeURIComponent(m[1]) : '?';
}

class TappedWebSocket extends WebSocket {
  constructor(url, ...rest) {
    super(url, ...rest);
    const who = userFromUrl(url);
    this.who = who;
    if (!liveSockets.has(who)) liveSockets.set(who, new Set());
    liveSockets.get(who).add(this);
    record(who, 'ws', `connect ${String(url).replace(/^ws:\/\/[^/]+/, '')}`);
    this.on('open', () => record(who, 'ws', 'open'));
    this.on('message', (data) => record(who, 'S→C', data.toString()));
    this.on('unexpected-response', (_req, res) => record(who, 'ws', `upgrade refused: HTTP ${res.statusCode}`));
    this.on('error', (err) => record(who, 'ws', `error ${err.message}`));
    this.on('close', (code, reason) => {
      liveSockets.get(who)?.delete(this);
      record(who, 'ws', `close ${code} ${reason?.toString() ?? ''}`);
    });
  }

  send(data, ...rest) {
    record(this.who, 'C→S', data);
    const pending = faults.get(this.who);
    if (pending?.length) {
      let frame;
      try {
        frame = JSON.parse(String(data));
      } catch {
        frame = null;
      }
      for (const f of pending) {
        if (f.seq === undefined && Array.isArray(frame) && typeof frame[1] === 'string' && f.matchRequest(frame)) {
          f.seq = frame[0];
          f.socket = this;
        }
      }
    }
    return super.send(data, ...rest);
  }

  emit(event, ...args) {
    if (event === 'message') {
      const pending = faults.get(this.who);
      const armed = pending?.find((f) => f.socket === this && f.seq !== undefined);
      if (armed) {
        let frame;
        try {
          frame = JSON.parse(args[0].toString());
        } catch {
          frame = null;
        }
        if (Array.isArray(frame) && frame[0] === armed.seq && typeof frame[1] === 'number') {
          pending.splice(pending.indexOf(armed), 1);
          record(this.who, 'ws', `fault injected: response to request ${armed.seq} swallowed, socket dropped`);
          armed.resolve(frame);
          this.terminate();
          return true;
        }
      }
    }
    return super.emit(event, ...args);
  }
}

const faults = new Map(); // userId -> [{ matchRequest, seq, socket, resolve }]

/**
 * Loses the response to the next request of `userId` matching
 * `matchRequest(frame)`: the response frame is swallowed before the client
 * sees it and the socket is dropped at once, as if the network failed
 * between the server's reply and the client. Resolves with the lost frame.
 */
export function loseNextResponse(userId, matchRequest) {
  return new Promise((resolve) => {
    if (!faults.has(userId)) faults.set(userId, []);
    faults.get(userId).push({ matchRequest, resolve, seq: undefined, socket: undefined });
  });
}

/** Abruptly drops (no close frame, TCP destroyed) every open socket of a user. Returns how many. */
export function dropSockets(userId) {
  const set = liveSockets.get(userId);
  if (!set) return 0;
  let n = 0;
  for (const ws of [...set]) {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
      record(userId, 'ws', 'forced drop by the test (terminate)');
      ws.terminate();
      n++;
    }
  }
  return n;
}

export function openSocketCount(userId) {
  return [...(liveSockets.get(userId) ?? [])].filter((ws) => ws.readyState === WebSocket.OPEN).length;
}

registerPolyfills({ WebSocket: TappedWebSocket });

// Tap the client's HTTP calls (app check, bokens, uploads, search). The
// harness's own REST calls use `rawFetch` and are traced separately.
export const rawFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : input.url;
  const method = init.method ?? 'GET';
  const short = url.replace(/^https?:\/\/[^/]+/, '');
  try {
    const res = await rawFetch(input, init);
    let body = '';
    if (!res.ok) {
      try {
        body = ` ${clip(await res.clone().text(), 300)}`;
      } catch {
        // ignore
      }
    }
    record('http', 'client', `${method} ${short} -> ${res.status}${body}`);
    return res;
  } catch (err) {
    record('http', 'client', `${method} ${short} -> network error ${err.message}`);
    throw err;
  }
};

// The client reports through console.warn/error with a "[TalkJS" prefix.
// Keep those in the trace (they carry the useful diagnostics) instead of
// interleaving them with the test report.
for (const level of ['warn', 'error', 'log', 'info']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    const text = args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeJson(a))).join(' ');
    if (text.startsWith('[TalkJS') || text.startsWith('[Chinwag')) {
      record('client', `console.${level}`, text);
    } else {
      original(...args);
    }
  };
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

// The client leaves debounce timers running after a session is destroyed
// (its stores unsubscribe lazily, 10–30 s, sometimes chained). They do no
// harm but would keep Node alive for up to a minute after the last test.
// Track long user-land timers so the file's final hook can unref them; open
// sockets and child processes still keep Node alive, so real leaks show.
const longTimers = new Set();
const nativeSetTimeout = globalThis.setTimeout;
const nativeClearTimeout = globalThis.clearTimeout;
globalThis.setTimeout = function setTimeout(fn, ms, ...args) {
  const handle = nativeSetTimeout(fn, ms, ...args);
  if (ms >= 1000 && typeof handle?.unref === 'function') {
    longTimers.add(handle);
    nativeSetTimeout(() => longTimers.delete(handle), ms + 50).unref();
  }
  return handle;
};
globalThis.clearTimeout = function clearTimeout(handle) {
  longTimers.delete(handle);
  return nativeClearTimeout(handle);
};

/** Unrefs every long timer still pending (called once the file's scenarios are done). */
export function releaseTimers() {
  for (const t of longTimers) t.unref();
  longTimers.clear();
}

// ---------------------------------------------------------------------------
// Small utilities

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves with `promise`, or rejects after `ms` with a message naming `label`. */
export function within(promise, ms, label) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `predicate` until it returns a truthy value (returned), or throws
 * after `ms`. `describe()` (optional) adds the last observed state to the error.
 */
export async function waitFor(predicate, ms, label, describe) {
  const deadline = Date.now() + ms;
  let lastError;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v;
    } catch (err) {
      if (err && err.fatal) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      let detail = '';
      if (describe) {
        try {
          detail = `\n  last seen: ${clip(typeof describe === 'function' ? describe() : describe, 1500)}`;
        } catch {
          // ignore
        }
      }
      if (lastError) detail += `\n  last predicate error: ${lastError.message}`;
      throw new Error(`timed out after ${ms} ms waiting for: ${label}${detail}`);
    }
    await sleep(20);
  }
}

let uniq = 0;
/** A short id unique within this process run. */
export function uid(prefix) {
  uniq += 1;
  return `${prefix}-${uniq}-${randomBytes(3).toString('hex')}`;
}

function b64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** An HS256 JWT signed in-process (for claims the CLI cannot produce). */
export function signJwt(secret, payload, header = { alg: 'HS256', typ: 'JWT' }) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = createHmac('sha256', secret).update(input).digest();
  return `${input}.${b64url(sig)}`;
}

/** The legacy identity-verification signature: hex HMAC-SHA256(secret, userId). */
export function userSignature(secret, userId) {
  return createHmac('sha256', secret).update(userId).digest('hex');
}

// ---------------------------------------------------------------------------
// The server

/** Runs one SQL statement with the PostgreSQL client against `base`. */
function psql(base, sql) {
  return execFileSync('psql', [base, '-v', 'ON_ERROR_STOP=1', '-Atc', sql], { encoding: 'utf8' });
}

let databases = 0;

/** A new database on CHINWAG_TEST_DATABASE_URL's server, or null when the suite runs on SQLite. */
function createTestDatabase() {
  const base = process.env.CHINWAG_TEST_DATABASE_URL;
  if (!base) return null;
  const name = `chinwag_conformance_${process.pid}_${databases++}`;
  psql(base, `CREATE DATABASE ${name}`);
  return { base, name, url: `${base.slice(0, base.lastIndexOf('/'))}/${name}` };
}

export class Server {
  constructor() {
    this.proc = null;
    this.dataDir = null;
    this.port = 0;
    this.appId = 'dev';
    this.key = null;
    this.base = null;
    this.exited = null;
  }

  /** @type {{ base: string, name: string, url: string } | null} */
  database = null;

  get host() {
    return `127.0.0.1:${this.port}`;
  }

  /**
   * Starts a fresh server (temp data dir, port 0). With CHINWAG_TEST_DATABASE_URL
   * (postgres://…/postgres) set, the server runs on a new PostgreSQL database of its own.
   */
  static async start({ natsUrl } = {}) {
    const s = new Server();
    s.dataDir = await mkdtemp(path.join(os.tmpdir(), 'chinwag-conformance-'));
    s.database = createTestDatabase();
    s.natsUrl = natsUrl ?? null;
    await s.#spawn(0);
    return s;
  }

  /**
   * Another node of `first`'s cluster: the same PostgreSQL database and
   * app, its events carried by the NATS server `natsUrl` (which `first`
   * must have been started with: see `Server.start({ natsUrl })`).
   */
  static async join(first) {
    if (!first.database || !first.natsUrl) throw new Error('a cluster needs PostgreSQL and NATS');
    const s = new Server();
    s.dataDir = await mkdtemp(path.join(os.tmpdir(), 'chinwag-conformance-'));
    s.database = first.database;
    s.natsUrl = first.natsUrl;
    s.key = first.key;
    s.ownsDatabase = false;
    await s.#spawn(0);
    return s;
  }

  /** `--database-url` (and `--nats-url`) for this server, when it has them. */
  #databaseArgs() {
    const database = this.database ? ['--database-url', this.database.url] : [];
    return this.natsUrl ? [...database, '--nats-url', this.natsUrl] : database;
  }

  async #spawn(port) {
    this.stopping = false;
    const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', this.dataDir, ...this.#databaseArgs()];
    // CHINWAG_TEST_DATABASE_URL is the suite's setting, not the server's (it would warn of an unknown variable).
    const { CHINWAG_TEST_DATABASE_URL: _suiteSetting, ...env } = process.env;
    const proc = spawn(BIN, args, {
      env: { ...env, CHINWAG_LOG: process.env.CHINWAG_LOG ?? 'warn', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        record('server', 'exit', `pid ${proc.pid} exited: code ${code}, signal ${signal}${this.stopping ? ' (stopped by the harness)' : ' (NOT stopped by the harness)'}`);
        if (!this.stopping && this.key) {
          // Code 0 without a signal means it shut down gracefully on SIGTERM/SIGINT sent from outside.
          this.deadError = new Error(
            `chinwag serve (pid ${proc.pid}) exited while the scenario ran: code ${code}, signal ${signal}` +
              (code === 0 ? ' (a graceful shutdown: someone sent it SIGTERM/SIGINT)' : ' (crashed?)'),
          );
          this.deadError.fatal = true;
          this.rejectDeath(this.deadError);
        }
        resolve({ code, signal });
      }),
    );
    this.deadError = null;
    this.death = new Promise((_, reject) => {
      this.rejectDeath = reject;
    });
    this.death.catch(() => {});
    const lines = (stream, kind, onLine) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          onLine?.(line);
          if (line.trim()) record('server', kind, line);
        }
      });
    };
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chinwag serve did not print its address within 30 s (${BIN})`)), 30000);
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${BIN}: ${err.message} (build it with \`cargo build -p chinwag\` or set CHINWAG_BIN)`));
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`chinwag serve exited early (code ${code}, signal ${signal})`));
      });
      lines(proc.stdout, 'stdout', (line) => {
        const key = /^\s*secret key:\s*(\S+)/.exec(line);
        if (key) this.key = key[1];
        const addr = /^chinwag listening on (http:\/\/\S+)/.exec(line);
        if (addr) {
          clearTimeout(timer);
          this.base = addr[1];
          this.port = Number(new URL(this.base).port);
          resolve();
        }
      });
      lines(proc.stderr, 'stderr');
    });
    if (!this.key) throw new Error('the server did not print the dev app secret key on first start');
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s). */
  async stop() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    this.stopping = true;
    proc.kill('SIGTERM');
    const done = await Promise.race([this.exited, sleep(5000).then(() => null)]);
    if (!done) {
      proc.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Kills the process at once (SIGKILL). */
  async kill() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    this.stopping = true;
    proc.kill('SIGKILL');
    await this.exited;
  }

  /** Starts the server again on the same data dir and the same port. */
  async restart({ hard = false } = {}) {
    if (hard) await this.kill();
    else await this.stop();
    const port = this.port;
    let lastErr;
    for (let i = 0; i < 20; i++) {
      try {
        await this.#spawn(port);
        return;
      } catch (err) {
        lastErr = err;
        await sleep(250);
      }
    }
    throw lastErr;
  }

  async cleanup() {
    await this.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
    if (this.database && this.ownsDatabase !== false) {
      psql(this.database.base, `DROP DATABASE IF EXISTS ${this.database.name} WITH (FORCE)`);
    }
    this.database = null;
  }

  // ---- REST (as the app's backend, with the secret key)

  async rest(method, p, body) {
    const res = await rawFetch(`${this.base}/v1/${this.appId}${p}`, {
      signal: AbortSignal.timeout(15000),
      method,
      headers: {
        Authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    record('rest', method, `${p} -> ${res.status}`);
    return { status: res.status, body: json };
  }

  /** Like `rest` but throws unless the status is 2xx. */
  async restOk(method, p, body) {
    const r = await this.rest(method, p, body);
    if (r.status < 200 || r.status > 299) {
      throw new Error(`REST ${method} ${p} answered ${r.status}: ${clip(JSON.stringify(r.body), 500)}`);
    }
    return r.body;
  }

  async createUser(id, attrs = {}) {
    await this.restOk('PUT', `/users/${encodeURIComponent(id)}`, { name: `User ${id}`, ...attrs });
  }

  async createUsers(ids) {
    for (let i = 0; i < ids.length; i += 100) {
      const batch = {};
      for (const id of ids.slice(i, i + 100)) batch[id] = { name: `User ${id}` };
      await this.restOk('PUT', '/users', batch);
    }
  }

  async createConversation(id, participants, attrs = {}) {
    await this.restOk('PUT', `/conversations/${encodeURIComponent(id)}`, { participants, ...attrs });
  }

  async addParticipant(conversationId, userId, attrs = {}) {
    await this.restOk('PUT', `/conversations/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(userId)}`, attrs);
  }

  async removeParticipant(conversationId, userId) {
    await this.restOk('DELETE', `/conversations/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(userId)}`);
  }

  /** Sends one message over REST and returns the stored message (REST shape). */
  async say(conversationId, sender, text, extra = {}) {
    const out = await this.restOk('POST', `/conversations/${encodeURIComponent(conversationId)}/messages`, [
      { type: 'UserMessage', sender, text, ...extra },
    ]);
    return out[0];
  }

  // ---- CLI

  cli(...args) {
    return new Promise((resolve, reject) => {
      execFile(BIN, [...args, '--data-dir', this.dataDir, ...this.#databaseArgs()], { timeout: 20000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
        if (err) reject(new Error(`chinwag ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
  }

  /** A user JWT from `chinwag token user`. */
  async userToken(userId, ttl = '24h', appId = this.appId) {
    const out = await this.cli('token', 'user', '--app-id', appId, '--user-id', userId, '--ttl', ttl);
    const token = out.split(/\s+/).find((w) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(w));
    if (!token) throw new Error(`no JWT in the output of chinwag token user: ${out}`);
    return token;
  }

  /** An in-process JWT for this app (defaults: valid for 24 h). */
  jwt(userId, claims = {}, secret = this.key) {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(secret, { iss: this.appId, sub: userId, tokenType: 'user', iat: now, exp: now + 86400, ...claims });
  }

  /** `chinwag app set`, then waits out the server's settings cache (≤ 2 s). */
  async appSet(flags, appId = this.appId) {
    const args = ['app', 'set', appId];
    for (const [k, v] of Object.entries(flags)) args.push(`--${k}`, v);
    await this.cli(...args);
    await sleep(2300);
  }
}

// ---------------------------------------------------------------------------
// A scenario context: sessions and subscriptions that are torn down at the
// end, and failures that carry the frames each user saw.

export class Ctx {
  constructor(server, name) {
    this.server = server;
    this.name = name;
    this.started = Date.now();
    this.sessions = [];
    this.subs = [];
    this.users = new Set();
  }

  /**
   * A fresh `TalkSession` for `userId` (forceCreateNew).
   * auth: 'jwt' (default: setToken with a 24 h JWT), 'none' (boken mode),
   * or { token } / { onNeedToken } / { signature }.
   */
  session(userId, auth = 'jwt', { host } = {}) {
    const options = { appId: this.server.appId, userId, host: host ?? this.server.host, forceCreateNew: true };
    if (auth && typeof auth === 'object' && auth.signature) options.signature = auth.signature;
    const session = getTalkSession(options);
    if (auth === 'jwt') session.setToken(this.server.jwt(userId));
    else if (auth && typeof auth === 'object') {
      if (auth.onNeedToken) session.onNeedToken = auth.onNeedToken;
      if (auth.token) session.setToken(auth.token);
    }
    this.sessions.push(session);
    this.users.add(userId);
    return session;
  }

  /** Registers a subscription for teardown and returns it. */
  track(sub) {
    this.subs.push(sub);
    return sub;
  }

  /** Awaits a client promise with a bound (and fails at once if the server dies). */
  step(promise, label, ms = 10000) {
    return within(Promise.race([promise, this.server.death]), ms, label);
  }

  /**
   * Waits until `sub` is active and `predicate(latestSnapshot, state)` holds.
   * A subscription that ends in the "error" state fails at once.
   */
  async until(sub, predicate, label, ms = 10000) {
    return waitFor(
      () => {
        if (this.server.deadError) throw this.server.deadError;
        const st = sub.state;
        if (st.type === 'error') {
          const e = new Error(`subscription failed while waiting for: ${label}: ${st.error?.message ?? st.error}`);
          e.fatal = true;
          throw e;
        }
        if (st.type === 'unsubscribed') {
          const e = new Error(`subscription was unsubscribed while waiting for: ${label}`);
          e.fatal = true;
          throw e;
        }
        return st.type === 'active' && predicate(st.latestSnapshot, st) ? st : null;
      },
      ms,
      label,
      () => describeState(sub.state),
    );
  }

  /** Waits for the subscription's `connected` promise. */
  async connected(sub, label, ms = 10000) {
    return within(sub.connected, ms, `${label}: subscription connected`);
  }

  diagnostics() {
    const mine = (who) => this.users.has(who) || who === 'http' || who === 'client' || who === 'server' || who === 'rest';
    const entries = traceSince(this.started, mine);
    const out = [];
    const perWho = new Map();
    for (const e of entries) {
      if (!perWho.has(e.who)) perWho.set(e.who, []);
      perWho.get(e.who).push(e);
    }
    const limits = { http: 15, client: 15, server: 15, rest: 8 };
    for (const [who, list] of perWho) {
      const n = limits[who] ?? 25;
      const tail = list.slice(-n);
      out.push(`  --- ${who} (last ${tail.length} of ${list.length}) ---`);
      for (const e of tail) out.push(`    +${e.t - this.started}ms ${e.kind} ${clip(e.text, 1500)}`);
    }
    return out.join('\n');
  }

  /**
   * Protocol invariants the client relies on silently (violations lose data
   * without an error), checked on every frame each user of this scenario
   * received: per socket, PUBLISH sequence numbers start at 1 or more and
   * strictly increase; PUBLISH frames carry at least one event, each with a
   * string type; responses use only the statuses the client understands
   * (others crash the call with "unreachable"), and error responses carry
   * { errorCode, reasons[] }. Returns a list of violations.
   */
  protocolViolations() {
    const known = new Set([200, 400, 401, 402, 403, 404, 405, 409, 429, 500]);
    const problems = [];
    for (const user of this.users) {
      let socket = -1;
      let lastPub = 0;
      for (const e of trace) {
        if (e.t < this.started || e.who !== user) continue;
        if (e.kind === 'ws' && e.text.startsWith('connect ')) {
          socket += 1;
          lastPub = 0;
          continue;
        }
        if (e.kind !== 'S→C') continue;
        let frame;
        try {
          frame = JSON.parse(e.text);
        } catch {
          problems.push(`${user} socket ${socket}: a frame that is not JSON: ${clip(e.text, 200)}`);
          continue;
        }
        if (!Array.isArray(frame)) {
          problems.push(`${user} socket ${socket}: a frame that is not an array: ${clip(e.text, 200)}`);
          continue;
        }
        if (frame[1] === 'PUBLISH') {
          const seq = frame[0];
          if (!Number.isInteger(seq) || seq < 1) problems.push(`${user} socket ${socket}: PUBLISH seq ${seq} (must be an integer >= 1)`);
          else if (seq <= lastPub) problems.push(`${user} socket ${socket}: PUBLISH seq ${seq} after ${lastPub} (must strictly increase; the client drops it)`);
          if (Number.isInteger(seq)) lastPub = Math.max(lastPub, seq);
          if (frame.length < 3) problems.push(`${user} socket ${socket}: empty PUBLISH ${seq}`);
          for (const ev of frame.slice(2)) {
            if (!ev || typeof ev.type !== 'string') problems.push(`${user} socket ${socket}: PUBLISH ${seq} has an event without a type: ${clip(JSON.stringify(ev), 200)}`);
          }
        } else if (typeof frame[1] === 'number') {
          const status = frame[1];
          if (!known.has(status)) problems.push(`${user} socket ${socket}: response ${frame[0]} has status ${status}, which the client cannot handle`);
          if (status !== 200 && (typeof frame[2]?.errorCode !== 'string' || !Array.isArray(frame[2]?.reasons))) {
            problems.push(`${user} socket ${socket}: error response ${frame[0]} (${status}) lacks {errorCode, reasons[]}: ${clip(JSON.stringify(frame[2]), 200)}`);
          }
        } else {
          problems.push(`${user} socket ${socket}: an unknown frame: ${clip(e.text, 200)}`);
        }
      }
    }
    return problems;
  }

  async close() {
    for (const sub of this.subs) {
      try {
        sub.unsubscribe();
      } catch {
        // ignore
      }
    }
    for (const s of this.sessions) {
      try {
        // @chinwag/core: `destroy()`. @talkjs/core: not in its .d.ts, but
        // `terminate` is the session's own teardown (used by the client for
        // fatal errors): it destroys the realtime connection and rejects
        // pending calls, so no socket or timer keeps Node alive.
        if (typeof s.destroy === 'function') s.destroy();
        else s.terminate(new Error('conformance: scenario finished'));
      } catch {
        // ignore
      }
    }
  }
}

function describeState(st) {
  if (!st) return String(st);
  if (st.type !== 'active') return JSON.stringify({ type: st.type, error: st.error?.message });
  return safeJson({ ...st, latestSnapshot: summarize(st.latestSnapshot) });
}

/** A compact, readable rendering of snapshots for error messages. */
export function summarize(snap) {
  if (snap === null || snap === undefined) return snap;
  if (Array.isArray(snap)) return snap.map(summarize);
  if (typeof snap !== 'object') return snap;
  if ('plaintext' in snap && 'createdAt' in snap) return { id: snap.id, text: snap.plaintext, sender: snap.sender?.id, reactions: snap.reactions };
  if ('lastMessage' in snap) {
    return {
      id: snap.id,
      subject: snap.subject,
      unread: snap.unreadMessageCount,
      isUnread: snap.isUnread,
      last: snap.lastMessage?.plaintext,
      lastMessageAt: snap.lastMessageAt,
    };
  }
  if ('user' in snap && 'joinedAt' in snap) return { user: snap.user?.id, access: snap.access, notify: snap.notify };
  return snap;
}

/**
 * The `skip` option of a scenario that only @chinwag/core can show (the
 * official client gives no guarantee about it): skipped, with the reason,
 * when the official client is under test.
 */
export function onlyChinwag(reason) {
  return CLIENT === 'chinwag' ? false : `@chinwag/core only: ${reason}`;
}

/**
 * Declares one scenario: a node:test test that gets a fresh Ctx on the
 * file's server, tears it down afterwards, and on failure appends the
 * frames/requests each user saw.
 */
export function scenario(name, getServer, fn, { timeout = 60000, skip = false } = {}) {
  test(name, { timeout, skip }, async () => {
    const server = getServer();
    if (!server) throw new Error('the server did not start (see the before() hook failure)');
    const ctx = new Ctx(server, name);
    try {
      await fn(ctx);
      const problems = ctx.protocolViolations();
      if (problems.length) {
        throw new Error(`protocol violations seen by the client:\n  ${problems.slice(0, 20).join('\n  ')}`);
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      e.message = `${e.message}\n  === trace (frames as the client saw them) ===\n${ctx.diagnostics()}`;
      throw e;
    } finally {
      await ctx.close();
    }
  });
}

/**
 * One server for the whole test file. Call at the top level of a test file:
 * `const server = serverForFile();`, then pass `server` to `scenario`.
 */
export function serverForFile() {
  let server = null;
  before(async () => {
    server = await Server.start();
  });
  after(async () => {
    if (server) await server.cleanup();
    releaseTimers();
  });
  return () => server;
}

/** Asserts that `promise` rejects within `ms` with a message matching `pattern`; returns the error. */
export async function rejects(promise, pattern, label, ms = 10000) {
  let outcome;
  try {
    const value = await within(promise, ms, label);
    outcome = { ok: true, value };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof Error && /^timed out after/.test(message)) throw err;
    if (pattern && !pattern.test(message)) {
      throw new Error(`${label}: rejected, but with an unexpected message: ${message} (expected ${pattern})`);
    }
    return err instanceof Error ? err : new Error(message);
  }
  throw new Error(`${label}: expected a rejection matching ${pattern}, but it resolved with ${clip(safeJson(outcome.value), 300)}`);
}

export function textOf(block) {
  // Plain text of a content block (for assertions that do not depend on plaintext).
  const walk = (n) => (typeof n === 'string' ? n : Array.isArray(n?.children) ? n.children.map(walk).join('') : n?.text ?? '');
  return walk(block);
}

export { WebSocket, getTalkSession };
