// Store benchmark: how fast a client's store applies realtime message events
// to a large message window, and how much heap it holds.
//
// "Apply 10,000 message events to a 1,000-message window and report events/s
// and the heap it holds, beside the same run with the official client."
//
// Both clients (`@chinwag/core` from ../dist, and the official `@talkjs/core`
// 1.12 from /work/main/conformance/node_modules when it is there) are driven
// by the same code through the same in-process fake WebSocket
// (./fake-realtime.mjs): no network, no server.
//
// One run, in a fresh Node process (`--expose-gc`) so that heap figures are
// not mixed between clients:
//   1. `session.conversation("c1").subscribeMessages(cb)`, then `loadMore(100)`
//      until the window holds the conversation's 1,000 messages (20 senders).
//   2. GC; heap with the window loaded. (Before subscribing, an empty-session
//      baseline was taken the same way.)
//   3. Push 10,000 events: 70 % `message.created` (newest), 20 %
//      `message.edited` (a random message of the window), 10 % `user.edited`
//      (a sender's name), in a fixed shuffled order (seeded, the same for
//      both clients); one event per PUBLISH frame, or 10 per frame. The next
//      frame goes out as soon as the client ACKs the previous one. Timed from
//      the first frame until the subscription callback has seen the effect
//      of the last event of every kind.
//   4. GC; heap held (absolute, and minus the empty-session baseline); how
//      many snapshots the callback received while the events were applied.
//   5. Checks the final snapshot: 1,000 + created messages, newest first, the
//      last edit's text, every sender's latest name.
// Every mode runs BENCH_RUNS times (default 3) per client; medians reported.
// A "fake socket alone" run (a bare ACKer, no client) gives the harness floor.
// A run gets BENCH_BUDGET_S seconds (default 180, 0 = no limit) to push its
// events: a client that is still busy then gets no more, and the run is
// reported as partial. (Measured once with no budget on a 2-core machine,
// the official client took 22 min for the 10,000 events one per frame, and
// 131 s ten per frame.)
//
// Run: `npm run bench` (builds first). Writes bench/results.md and
// bench/results.json. Exits non-zero when a correctness check fails.
// Environment: BENCH_RUNS (default 3), BENCH_EVENTS (default 10000),
// BENCH_BUDGET_S (default 180), BENCH_MIX (default "70,20,10": percentages of
// created / edited / renamed, for diagnosis).

import { execFileSync, fork } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

import { CONVERSATION_ID, FakeServer, T0, userId, wireMessage } from "./fake-realtime.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..", "..", "..");
const OURS = join(HERE, "..", "dist", "index.js");
const CONFORMANCE = join(REPO, "conformance");

const HISTORY = 1000;
const SENDERS = 20;
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Percentages of created / edited / renamed events (a diagnostic knob; the task's mix is 70,20,10). */
const MIX = (process.env.BENCH_MIX ?? "70,20,10").split(",").map(Number);
const MODES = [1, 10];
const SEED = 20_240_601;
const APP_ID = "bench";
const ME = "me";
const HOST = "127.0.0.1:1";

/** How long each step of loading the window may take (ms). */
const LOAD_TIMEOUT = 30_000;
/**
 * Time budget for pushing events (ms; BENCH_BUDGET_S, 0 = none). A client
 * that has not taken every event by then gets no more; its run is reported
 * as partial, with the rate over the events it applied.
 */
const BUDGET = Number(process.env.BENCH_BUDGET_S ?? 180) * 1000;
/** After the last frame is ACKed, how long the callback may take to show it. */
const SETTLE_TIMEOUT = 60_000;
/** A whole run (one child process) is killed after this long. */
const CHILD_TIMEOUT = BUDGET > 0 ? BUDGET + 180_000 : 3_600_000;

const CLIENT_LABEL = {
  chinwag: "@chinwag/core",
  official: "@talkjs/core 1.12",
  floor: "fake socket alone (no client)",
};

// ---------------------------------------------------------------- helpers

/** A small seeded PRNG (mulberry32): the same event sequence for every run and client. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function base64url(s) {
  return Buffer.from(s).toString("base64url");
}

/** A well-formed HS256 user JWT (the fake server accepts anything; the official client checks the shape). */
function fakeJwt() {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const exp = Math.floor(Date.now() / 1000) + 86_400;
  const payload = base64url(JSON.stringify({ iss: APP_ID, sub: ME, tokenType: "user", exp }));
  const signature = createHmac("sha256", "bench-secret").update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const MB = 1024 * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full GC, a few times with turns of the event loop between (weak refs, finalizers). */
async function heapAfterGc() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Resolves once `predicate()` holds, checking every few ms; rejects after `ms`. */
async function waitUntil(predicate, ms, what) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(2);
  }
}

/** Where the official client is installed (its ESM entry), or undefined. */
function officialEntry() {
  try {
    const require = createRequire(join(CONFORMANCE, "package.json"));
    let dir = dirname(require.resolve("@talkjs/core"));
    while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const entry = pkg.exports?.["."]?.import ?? pkg.module;
    return { file: join(dir, entry), version: pkg.version };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- the scenario

/**
 * The 10,000 events as a generator of PUBLISH frames (each an array of
 * events), built lazily so that they do not sit in the measured heap. The
 * `expected` object follows what the final snapshot must show.
 */
function scenario(perFrame) {
  const rand = prng(SEED);
  const historyId = (i) => `m${String(i).padStart(4, "0")}`;
  const createdId = (k) => `n${String(k).padStart(5, "0")}`;
  // Exactly 70 % / 20 % / 10 %, in a shuffled order.
  const kinds = new Uint8Array(EVENTS);
  const edits = Math.round((EVENTS * MIX[1]) / 100);
  const renames = Math.round((EVENTS * MIX[2]) / 100);
  kinds.fill(1, 0, edits);
  kinds.fill(2, edits, edits + renames);
  for (let i = EVENTS - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const expected = {
    created: 0,
    lastCreatedId: historyId(HISTORY - 1),
    lastEditId: undefined,
    lastEditText: undefined,
    lastRenamedUser: undefined,
    names: new Map(),
  };

  function event(n) {
    if (kinds[n] === 0) {
      const k = ++expected.created;
      const id = createdId(k);
      const sender = userId(Math.floor(rand() * SENDERS));
      // Newer than everything: the history ends at T0 + 999,000 ms.
      const state = wireMessage(id, sender, T0 + HISTORY * 1000 + k, `new ${k}`);
      expected.lastCreatedId = id;
      return { type: "message.created", conversationId: CONVERSATION_ID, messageId: id, state };
    }
    if (kinds[n] === 1) {
      const i = Math.floor(rand() * (HISTORY + expected.created));
      const id = i < HISTORY ? historyId(i) : createdId(i - HISTORY + 1);
      const body = `edit ${n}`;
      expected.lastEditId = id;
      expected.lastEditText = body;
      return {
        type: "message.edited",
        conversationId: CONVERSATION_ID,
        messageId: id,
        diff: { content: [{ type: "text", children: [body] }], editedAt: T0 + 10_000_000 + n },
      };
    }
    const who = userId(Math.floor(rand() * SENDERS));
    const name = `User ${who} renamed ${n}`;
    expected.names.set(who, name);
    expected.lastRenamedUser = who;
    return { type: "user.edited", userId: who, diff: { name } };
  }

  let n = 0;
  return {
    expected,
    /** How many events went out so far. */
    get pushed() {
      return n;
    },
    frames: Math.ceil(EVENTS / perFrame),
    nextFrame() {
      const frame = [];
      while (frame.length < perFrame && n < EVENTS) frame.push(event(n++));
      return frame;
    },
  };
}

/** The text of a message snapshot's first text block. */
function textOf(m) {
  const block = m?.content?.[0];
  return block?.type === "text" ? block.children.join("") : undefined;
}

/** Whether `snap` shows the last event of every kind (cheap enough to run on the final snapshots only). */
function showsEnd(snap, expected) {
  if (!Array.isArray(snap) || snap[0]?.id !== expected.lastCreatedId) return false;
  if (expected.lastEditId !== undefined) {
    const edited = snap.find((m) => m.id === expected.lastEditId);
    if (textOf(edited) !== expected.lastEditText) return false;
  }
  if (expected.lastRenamedUser !== undefined) {
    const by = snap.find((m) => m.sender?.id === expected.lastRenamedUser);
    if (by && by.sender.name !== expected.names.get(expected.lastRenamedUser)) return false;
  }
  return true;
}

/** The correctness checks of the final snapshot; answers the failures. */
function verify(snap, expected, server) {
  const problems = [];
  if (!Array.isArray(snap)) return ["no snapshot"];
  const want = HISTORY + expected.created;
  if (snap.length !== want) problems.push(`window holds ${snap.length} messages, expected ${want}`);
  if (snap[0]?.id !== expected.lastCreatedId) {
    problems.push(`newest is ${snap[0]?.id}, expected ${expected.lastCreatedId}`);
  }
  for (let i = 1; i < snap.length; i++) {
    if (!(snap[i - 1].createdAt > snap[i].createdAt)) {
      problems.push(`not newest first at index ${i}`);
      break;
    }
  }
  if (new Set(snap.map((m) => m.id)).size !== snap.length) problems.push("duplicate message ids");
  const edited = snap.find((m) => m.id === expected.lastEditId);
  if (expected.lastEditId === undefined) {
    // No edits in this mix.
  } else if (textOf(edited) !== expected.lastEditText) {
    problems.push(`last edit: ${expected.lastEditId} shows "${textOf(edited)}", expected "${expected.lastEditText}"`);
  } else if (edited.plaintext !== expected.lastEditText) {
    problems.push(`last edit: plaintext is "${edited.plaintext}", expected "${expected.lastEditText}"`);
  }
  const renamedShown = snap.filter((m) => m.sender?.id === expected.lastRenamedUser);
  if (expected.lastRenamedUser !== undefined && renamedShown.length === 0) {
    problems.push(`no message by the last renamed sender ${expected.lastRenamedUser}`);
  }
  let staleNames = 0;
  for (const m of snap) {
    const name = expected.names.get(m.sender?.id) ?? server.names.get(m.sender?.id);
    if (m.sender?.name !== name) staleNames++;
  }
  if (staleNames > 0) problems.push(`${staleNames} messages show a stale or missing sender name`);
  return problems;
}

// ---------------------------------------------------------------- one run (child process)

/** Loads a client module by name. */
async function loadClient(name) {
  if (name === "chinwag") return import(pathToFileURL(OURS).href);
  const entry = officialEntry();
  if (!entry) throw new Error("the official client is not installed");
  return import(pathToFileURL(entry.file).href);
}

/** No HTTP: the clients' app check (`GET http://127.0.0.1:1/api/v0/bench`) answers 200 `{}`. */
function stubFetch() {
  const calls = [];
  globalThis.fetch = async (input) => {
    const url = typeof input === "string" ? input : String(input?.url ?? input);
    calls.push(url);
    if (url.startsWith(`http://${HOST}/`)) {
      return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
    }
    throw new Error(`bench: no network (${url})`);
  };
  return calls;
}

/** Keeps the clients' console output out of the table; counts it for the report. */
function captureConsole() {
  const lines = [];
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    console[level] = (...args) => {
      lines.push(`${level}: ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ")}`.slice(0, 300));
    };
  }
  return lines;
}

/**
 * Pushes the frames, each once the previous one is ACKed; resolves when the
 * last is ACKed, or when the time budget ran out (no more frames are sent then).
 */
function pushAll(server, plan, budgetMs = 0) {
  return new Promise((resolve) => {
    const start = performance.now();
    /** When each tenth of the frames was ACKed (ms since the first frame): how the cost grows with the window. */
    const tenths = [];
    let sent = 0;
    let lastSeq = 0;
    const next = () => {
      const now = performance.now();
      if (sent > 0 && sent % Math.ceil(plan.frames / 10) === 0) tenths.push(now - start);
      const overBudget = budgetMs > 0 && now - start > budgetMs;
      if (sent === plan.frames || overBudget) {
        server.onAck = undefined;
        resolve({ frames: sent, partial: sent < plan.frames, tenths });
        return;
      }
      sent++;
      lastSeq = server.publish(plan.nextFrame());
    };
    server.onAck = (seq) => {
      if (seq === lastSeq) next();
    };
    next();
  });
}

/** The harness floor: the fake socket with a bare ACKer instead of a client. */
async function runFloor(perFrame) {
  const server = new FakeServer({ history: HISTORY, senders: SENDERS, me: ME });
  const socket = new server.WebSocket(`ws://${HOST}/`);
  let frames = 0;
  socket.onmessage = (e) => {
    const frame = JSON.parse(e.data);
    if (frame[1] === "PUBLISH") {
      frames++;
      socket.send(JSON.stringify([frame[0], "ACK"]));
    }
  };
  await waitUntil(() => server.socket === socket, LOAD_TIMEOUT, "the socket to open");
  const plan = scenario(perFrame);
  const t0 = performance.now();
  const pushed = await pushAll(server, plan);
  const ms = performance.now() - t0;
  socket.close();
  const problems = frames === plan.frames ? [] : [`${frames} frames arrived, expected ${plan.frames}`];
  const eventsPerSecond = (plan.pushed / ms) * 1000;
  return { client: "floor", perFrame, events: plan.pushed, ms, eventsPerSecond, tenthsMs: pushed.tenths, problems };
}

async function runClient(clientName, perFrame) {
  const fetchCalls = stubFetch();
  const consoleLines = captureConsole();
  const uncaught = [];
  process.on("uncaughtException", (error) => uncaught.push(String(error?.stack ?? error)));
  process.on("unhandledRejection", (error) => uncaught.push(`unhandled rejection: ${String(error?.stack ?? error)}`));

  const client = await loadClient(clientName);
  const server = new FakeServer({ history: HISTORY, senders: SENDERS, me: ME });
  client.registerPolyfills({ WebSocket: server.WebSocket });

  // 0. An empty session: created, token set, nothing subscribed yet.
  const session = client.getTalkSession({ appId: APP_ID, userId: ME, host: HOST, forceCreateNew: true });
  session.setToken(fakeJwt());
  await sleep(50);
  const heapEmpty = await heapAfterGc();

  // 1. The window: the first page, then loadMore(100) until it holds the whole history.
  let latest;
  let snapshots = 0;
  let onSnapshot = () => {};
  const sub = session.conversation(CONVERSATION_ID).subscribeMessages((snap) => {
    latest = snap;
    snapshots++;
    onSnapshot(snap);
  });
  const loadStart = performance.now();
  await waitUntil(() => Array.isArray(latest), LOAD_TIMEOUT, "the first snapshot");
  while (latest.length < HISTORY) {
    const before = latest.length;
    await sub.loadMore(100);
    await waitUntil(() => latest.length > before, LOAD_TIMEOUT, `loadMore beyond ${before} messages`);
  }
  const loadMs = performance.now() - loadStart;
  if (latest.length !== HISTORY) throw new Error(`the window holds ${latest.length} messages, expected ${HISTORY}`);
  await sleep(200); // let anything the clients schedule after loading settle
  const heapLoaded = await heapAfterGc();
  const loadCalls = Object.fromEntries(server.calls);
  server.resetCalls();

  // 3. The events.
  const plan = scenario(perFrame);
  const { expected } = plan;
  let allAcked = false;
  let resolveDone;
  const done = new Promise((resolve) => {
    resolveDone = resolve;
  });
  let tEnd;
  const check = (snap) => {
    if (tEnd === undefined && allAcked && showsEnd(snap, expected)) {
      tEnd = performance.now();
      resolveDone();
    }
  };
  snapshots = 0;
  onSnapshot = check;
  const t0 = performance.now();
  const pushed = await pushAll(server, plan, BUDGET);
  const tAcked = performance.now();
  allAcked = true;
  const timeout = setTimeout(() => resolveDone(), SETTLE_TIMEOUT);
  check(latest);
  await done;
  clearTimeout(timeout);
  onSnapshot = () => {};
  const timedOut = tEnd === undefined;
  const ms = (tEnd ?? performance.now()) - t0;
  const pushSnapshots = snapshots;
  await sleep(200);
  const lateSnapshots = snapshots - pushSnapshots;

  // 5. Correctness.
  const problems = verify(latest, expected, server);
  if (timedOut) problems.unshift(`the last events did not show within ${SETTLE_TIMEOUT} ms of their ACK`);
  if (server.socketsOpened !== 1) problems.push(`${server.socketsOpened} sockets opened, expected 1`);
  if (uncaught.length > 0) problems.push(`uncaught errors: ${uncaught.slice(0, 3).join(" | ")}`);

  // 4. The heap held with everything applied (the app keeps the latest snapshot).
  const heapAfter = await heapAfterGc();
  const pushCalls = Object.fromEntries(server.calls);
  const finalLength = Array.isArray(latest) ? latest.length : null;
  latest = undefined;

  sub.unsubscribe();
  if (typeof session.destroy === "function") session.destroy();
  else session.terminate(new Error("benchmark finished"));

  return {
    client: clientName,
    perFrame,
    events: plan.pushed,
    frames: pushed.frames,
    partial: pushed.partial,
    tenthsMs: pushed.tenths,
    created: expected.created,
    ms,
    ackMs: tAcked - t0,
    eventsPerSecond: (plan.pushed / ms) * 1000,
    snapshots: pushSnapshots,
    lateSnapshots,
    loadMs,
    heapEmpty,
    heapLoaded,
    heapAfter,
    heapHeld: heapAfter - heapEmpty,
    finalLength,
    loadCalls,
    pushCalls,
    unknownCalls: server.unknown.slice(0, 20),
    fetchCalls,
    console: consoleLines.slice(0, 20),
    consoleCount: consoleLines.length,
    problems,
  };
}

async function child(clientName, perFrame) {
  let result;
  try {
    result = clientName === "floor" ? await runFloor(perFrame) : await runClient(clientName, perFrame);
  } catch (error) {
    result = { client: clientName, perFrame, problems: [`run failed: ${error?.stack ?? error}`] };
  }
  process.send(result, () => process.exit(0));
}

// ---------------------------------------------------------------- the driver

function runChild(clientName, perFrame) {
  return new Promise((resolve) => {
    const proc = fork(fileURLToPath(import.meta.url), ["--child", clientName, String(perFrame)], {
      execArgv: ["--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result;
    const timer = setTimeout(() => {
      result ??= { client: clientName, perFrame, problems: [`the run did not finish within ${CHILD_TIMEOUT} ms`] };
      proc.kill("SIGKILL");
    }, CHILD_TIMEOUT);
    proc.on("message", (m) => {
      result = m;
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(
        result ?? { client: clientName, perFrame, problems: [`the run exited (${code ?? signal}) without a result`] },
      );
    });
  });
}

/**
 * JSON laid out the way Biome formats it (so that `biome check bench` passes
 * on the results): arrays of plain values on one line when they fit in 120
 * columns; numbers rounded to 0.1.
 */
function toJson(value, indent = "", prefix = 0) {
  if (typeof value === "number") return JSON.stringify(Number.isInteger(value) ? value : Math.round(value * 10) / 10);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) {
      const line = `[${value.map((v) => toJson(v)).join(", ")}]`;
      if (indent.length + prefix + line.length + 1 <= 120) return line;
    }
    const inner = `${indent}  `;
    return `[\n${value.map((v) => inner + toJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    const inner = `${indent}  `;
    const lines = entries.map(
      ([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner, JSON.stringify(k).length + 2)}`,
    );
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** A Markdown table with padded columns (as Biome formats Markdown); `right` marks right-aligned columns. */
function mdTable(header, right, rows) {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (right[i] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)];
}

function fmt(n, digits = 0) {
  return n === null || n === undefined ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: digits });
}

function summarise(runs) {
  return {
    client: runs[0].client,
    perFrame: runs[0].perFrame,
    runs: runs.length,
    failed: runs.filter((r) => r.problems.length > 0).length,
    partial: runs.filter((r) => r.partial).length,
    events: median(runs.map((r) => r.events)),
    eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)),
    ms: median(runs.map((r) => r.ms)),
    msRuns: runs.map((r) => r.ms),
    heapHeldMB: median(runs.map((r) => r.heapHeld / MB)),
    heapAfterMB: median(runs.map((r) => r.heapAfter / MB)),
    heapLoadedMB: median(runs.map((r) => (r.heapLoaded - r.heapEmpty) / MB)),
    snapshots: median(runs.map((r) => r.snapshots)),
    firstTenthMs: median(runs.map((r) => r.tenthsMs?.[0])),
    lastTenthMs: median(runs.map((r) => (r.tenthsMs?.length === 10 ? r.tenthsMs[9] - r.tenthsMs[8] : undefined))),
  };
}

/** The commit the library was built from, and whether its source had uncommitted changes. */
function revision() {
  try {
    const git = (...args) =>
      execFileSync("git", args, { cwd: HERE, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = git("status", "--porcelain", "--", "../src").length > 0;
    return `${git("rev-parse", "--short", "HEAD")}${dirty ? " (with uncommitted changes in src/)" : ""}`;
  } catch {
    return "unknown";
  }
}

async function driver() {
  const official = officialEntry();
  const clients = official ? ["chinwag", "official"] : ["chinwag"];
  if (!existsSync(OURS)) {
    console.error(`${OURS} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
  const cpus = os.cpus();
  const machine = {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    revision: revision(),
  };
  const budget = BUDGET > 0 ? `${BUDGET / 1000} s` : "none";
  console.log(`Store benchmark: ${EVENTS} events on a ${HISTORY}-message window, ${RUNS} runs per mode (median).`);
  console.log(`Node ${machine.node}, ${machine.cores} cores (${machine.cpu}); @chinwag/core at ${machine.revision}.`);
  console.log(`Time budget per run for pushing events: ${budget} (BENCH_BUDGET_S).`);
  if (!official) console.log(`The official client was not found under ${CONFORMANCE}/node_modules: ours only.`);

  // Runs interleaved (run 1 of everything, then run 2, …) so drift spreads evenly.
  const all = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const client of [...clients, "floor"]) {
      for (const perFrame of MODES) {
        const r = await runChild(client, perFrame);
        all.push(r);
        const status = r.problems.length ? `FAILED: ${r.problems.join("; ")}` : "ok";
        const partial = r.partial ? ` (partial: ${r.events} events within the budget)` : "";
        console.log(
          `  run ${run} ${CLIENT_LABEL[client]}, ${perFrame}/frame: ${fmt(r.ms)} ms, ${fmt(r.eventsPerSecond)} events/s, ` +
            `${r.snapshots ?? "–"} snapshots, ${r.heapHeld ? fmt(r.heapHeld / MB, 1) : "–"} MB held${partial} — ${status}`,
        );
      }
    }
  }

  const rows = [];
  for (const client of [...clients, "floor"]) {
    for (const perFrame of MODES) {
      rows.push(summarise(all.filter((r) => r.client === client && r.perFrame === perFrame)));
    }
  }
  const clientRows = rows.filter((r) => r.client !== "floor");
  const floorRows = rows.filter((r) => r.client === "floor");
  const failures = all.filter((r) => r.problems.length > 0);
  const mode = (r) => `${r.perFrame}/frame${r.partial ? ` (partial: ${fmt(r.events)} events in ${budget})` : ""}`;

  const table = mdTable(
    ["client", "mode", "events/s", "ms total", "heap held MB", "heap abs MB", "snapshots delivered"],
    [false, false, true, true, true, true, true],
    clientRows.map((r) => [
      CLIENT_LABEL[r.client],
      mode(r),
      fmt(r.eventsPerSecond),
      fmt(r.ms),
      fmt(r.heapHeldMB, 1),
      fmt(r.heapAfterMB, 1),
      fmt(r.snapshots),
    ]),
  );
  const perRun = mdTable(
    ["client", "mode", "ms per run", "first / last 10 % of frames, ms", "window loaded: heap over empty session, MB"],
    [false, false, false, false, true],
    rows.map((r) => [
      CLIENT_LABEL[r.client],
      mode(r),
      r.msRuns.map((x) => fmt(x)).join("; "),
      `${fmt(r.firstTenthMs)} / ${fmt(r.lastTenthMs)}`,
      fmt(r.heapLoadedMB, 1),
    ]),
  );
  const full = all.find((r) => r.client === "chinwag" && !r.partial && r.created);
  const notes = [
    `- ${EVENTS.toLocaleString("en-US")} events (${MIX[0]} % \`message.created\`, ${MIX[1]} % \`message.edited\`, ` +
      `${MIX[2]} % \`user.edited\`, the same seeded order in every run) applied to a window of ` +
      `${HISTORY.toLocaleString("en-US")} messages from ${SENDERS} senders; the window ends with ` +
      `${full ? fmt(full.created + HISTORY) : "–"} messages.`,
    "- Each frame is pushed once the client ACKs the previous one. Time runs from the first frame until the " +
      "subscription callback shows the last created message at index 0, the last edit and the last rename. " +
      '"snapshots delivered" counts the callbacks in that time.',
    `- ${RUNS === 1 ? "One run" : `Medians of ${RUNS} runs`}, each in a fresh \`node --expose-gc\` process. "heap held" = \`heapUsed\` after GC ` +
      "with everything applied (the app keeping the latest snapshot) minus the same after creating an empty " +
      'session; "heap abs" = the absolute `heapUsed`.',
    `- A run gets ${budget} to push its events (BENCH_BUDGET_S); a client still busy then gets no more and the run ` +
      "is partial: its events/s covers the events it applied, on a smaller window than a full run ends with, and " +
      "its heap is not comparable with a full run's.",
    `- Harness floor (the fake socket with a bare ACKer, no client): ${floorRows
      .map((f) => `${fmt(f.ms)} ms at ${f.perFrame}/frame`)
      .join(", ")}.`,
    `- Node ${machine.node}, ${machine.platform}, ${machine.cores} cores (${machine.cpu}), ${machine.memoryGB} GB; ` +
      `@chinwag/core built from ${machine.revision}.`,
    official
      ? `- Official client: \`@talkjs/core\` ${official.version} from \`conformance/node_modules\`.`
      : "- The official client was not found (conformance/node_modules/@talkjs/core): only ours was run.",
  ];
  if (failures.length > 0) {
    notes.push(
      `- **${failures.length} run(s) failed a check:** ` +
        failures.map((f) => `${f.client} ${f.perFrame}/frame: ${f.problems.join("; ")}`).join(" / "),
    );
  }

  console.log("");
  console.log(table.join("\n"));
  console.log("");
  console.log(notes.join("\n"));

  const md = [
    "# Store benchmark: realtime message events on a 1,000-message window",
    "",
    "Generated by `npm run bench` (`bench/store.bench.mjs`).",
    "",
    ...table,
    "",
    ...notes,
    "",
    "## Per run",
    "",
    ...perRun,
    "",
  ].join("\n");
  writeFileSync(join(HERE, "results.md"), md);
  const json = {
    machine,
    events: EVENTS,
    history: HISTORY,
    mix: MIX,
    runsPerMode: RUNS,
    budgetMs: BUDGET,
    summary: rows,
    runs: all,
  };
  writeFileSync(join(HERE, "results.json"), `${toJson(json)}\n`);
  console.log(`\nWrote ${join("bench", "results.md")} and ${join("bench", "results.json")}.`);
  process.exit(failures.length > 0 ? 1 : 0);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  await driver();
}
