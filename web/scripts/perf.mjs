// UI performance, measured in Chromium against a real server (not a test:
// it reports figures and asserts none; `npm run perf`, after `cargo build`):
//
//   1. time to first render of a 30-message chat: from `chatbox.mount()` to
//      the frame in which all 30 rows are in the DOM (and from navigation
//      start), median of 5 page loads;
//   2. frame times while scrolling a 10,000-message history: the window is
//      loaded back to the first message, then the log is scrolled from the
//      newest to the oldest message at 120 px per frame, and every frame's
//      duration is recorded (requestAnimationFrame deltas).
//
// Writes web/perf/results.md and results.json.

import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";

import { launch, openPage, pageServer, Server, uid } from "../test/support/harness.js";

const HISTORY = Number(process.env.PERF_HISTORY ?? 10_000);
const LOADS = 5;

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function percentile(v, p) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const page = (origin, appId, me, cid) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>perf</title>
<script src="${origin}/talk.js"></script></head><body style="margin:0">
<div id="chat" style="height:720px;width:480px"></div>
<script>
(async () => {
  await Talk.ready;
  const session = new Talk.Session({ appId: ${JSON.stringify(appId)}, me: new Talk.User(${JSON.stringify(me)}) });
  const chatbox = session.createChatbox();
  chatbox.select(${JSON.stringify(cid)});
  const t0 = performance.now();
  await chatbox.mount(document.getElementById("chat"));
  const rows = () => {
    const list = document.querySelector("chinwag-chatbox")?.shadowRoot?.querySelector("cw-message-list");
    return list?.shadowRoot?.querySelectorAll(".row[data-id]").length ?? 0;
  };
  const poll = () => {
    if (rows() >= 30) {
      window.firstRender = { sinceMount: performance.now() - t0, sinceNavigation: performance.now() };
    } else requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
</script></body></html>`;

/** Starts a Chromium trace of page `p`; `stop()` gives the 30 costliest (thread | event, total ms). */
async function startTrace(p) {
  const cdp = await p.context.newCDPSession(p.page);
  const events = [];
  cdp.on("Tracing.dataCollected", (d) => events.push(...d.value));
  const done = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
  await cdp.send("Tracing.start", { categories: "devtools.timeline,cc,viz,gpu", transferMode: "ReportEvents" });
  return {
    async stop() {
      await cdp.send("Tracing.end");
      await done;
      const threads = new Map();
      for (const e of events)
        if (e.ph === "M" && e.name === "thread_name") threads.set(`${e.pid}:${e.tid}`, e.args.name);
      const total = new Map();
      for (const e of events) {
        if (e.ph !== "X" || !e.dur) continue;
        const key = `${threads.get(`${e.pid}:${e.tid}`) ?? e.tid} | ${e.name}`;
        total.set(key, (total.get(key) ?? 0) + e.dur / 1000);
      }
      return [...total].sort((a, b) => b[1] - a[1]).slice(0, 30);
    },
  };
}

const server = await Server.start();
const browser = await launch();
const results = {};
try {
  const me = uid("reader");
  const other = uid("writer");
  await server.createUser(me, { name: "Reader" });
  await server.createUser(other, { name: "Writer" });
  const small = uid("small");
  await server.createConversation(small, [me, other]);
  await server.send(
    small,
    other,
    Array.from({ length: 30 }, (_, i) => `Message ${i + 1} with *some* markup and a link https://example.com/${i}`),
  );
  const big = uid("big");
  await server.createConversation(big, [me, other]);
  for (let i = 0; i < HISTORY; i += 100) {
    await server.send(
      big,
      i % 200 === 0 ? other : me,
      Array.from(
        { length: Math.min(100, HISTORY - i) },
        (_, j) => `History ${i + j + 1}: ${"lorem ipsum ".repeat(1 + ((i + j) % 7))}`,
      ),
    );
  }
  const pages = await pageServer({
    "/small": page(server.origin, server.appId, me, small),
    "/big": page(server.origin, server.appId, me, big),
  });

  // 1. First render.
  const firsts = [];
  for (let i = 0; i < LOADS; i++) {
    const p = await openPage(browser, { viewport: { width: 500, height: 760 } });
    await p.page.goto(`${pages.origin}/small`);
    await p.page.waitForFunction(() => window.firstRender, null, { timeout: 30_000 });
    firsts.push(await p.page.evaluate(() => window.firstRender));
    await p.context.close();
  }
  results.firstRender = {
    sinceMountMs: median(firsts.map((f) => f.sinceMount)),
    sinceNavigationMs: median(firsts.map((f) => f.sinceNavigation)),
    runs: firsts,
  };
  console.log(`first render of 30 messages: ${results.firstRender.sinceMountMs.toFixed(1)} ms after mount()`);

  // 2. Scrolling the whole history.
  const p = await openPage(browser, { viewport: { width: 500, height: 760 } });
  await p.page.goto(`${pages.origin}/big`);
  await p.page.waitForFunction(() => window.firstRender, null, { timeout: 30_000 });
  const t0 = Date.now();
  const loaded = await p.page.evaluate(async () => {
    const list = () => document.querySelector("chinwag-chatbox").shadowRoot.querySelector("cw-message-list").shadowRoot;
    const scroller = () => list().querySelector(".scroller");
    // The log shows a sentinel above its oldest row until the whole history is loaded.
    const loadedAll = () => list().querySelector(".row[data-id]") && !list().querySelector(".sentinel");
    const deadline = performance.now() + 600_000;
    while (!loadedAll() && performance.now() < deadline) {
      scroller().scrollTop = -scroller().scrollHeight;
      await new Promise((r) => setTimeout(r, 30));
    }
    return { all: Boolean(loadedAll()), rowsInDom: list().querySelectorAll(".row[data-id]").length };
  });
  if (!loaded.all) throw new Error("the history did not load within 600 s");
  results.loadHistory = { messages: HISTORY, seconds: (Date.now() - t0) / 1000, rowsInDom: loaded.rowsInDom };
  console.log(`loaded ${HISTORY} messages by scrolling back in ${results.loadHistory.seconds.toFixed(1)} s`);
  // PERF_TRACE=1: a Chromium trace of the scroll, summed by thread and event
  // (where each frame's time goes), printed and kept in results.json.
  const trace = process.env.PERF_TRACE ? await startTrace(p) : null;
  const frames = await p.page.evaluate(async () => {
    const list = document.querySelector("chinwag-chatbox").shadowRoot.querySelector("cw-message-list").shadowRoot;
    const scroller = list.querySelector(".scroller");
    scroller.scrollTop = -scroller.scrollHeight;
    await new Promise((r) => setTimeout(r, 500));
    const deltas = [];
    let last = performance.now();
    return new Promise((resolve) => {
      const step = (now) => {
        deltas.push(now - last);
        last = now;
        scroller.scrollTop += 120;
        if (scroller.scrollTop >= -1 || deltas.length > 20_000) resolve(deltas.slice(1));
        else requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
  });
  if (trace) {
    results.trace = await trace.stop();
    for (const [k, ms] of results.trace) console.log(`trace ${ms.toFixed(0).padStart(8)} ms  ${k}`);
  }
  results.scroll = {
    frames: frames.length,
    p50Ms: percentile(frames, 50),
    p95Ms: percentile(frames, 95),
    p99Ms: percentile(frames, 99),
    maxMs: Math.max(...frames),
    over17Ms: frames.filter((f) => f > 17.5).length,
    over33Ms: frames.filter((f) => f > 34).length,
  };
  console.log(
    `scroll through ${HISTORY} messages: ${frames.length} frames, p50 ${results.scroll.p50Ms.toFixed(1)} ms, p95 ${results.scroll.p95Ms.toFixed(1)} ms, max ${results.scroll.maxMs.toFixed(1)} ms`,
  );
  await p.context.close();
  await pages.close();
} finally {
  await browser.close();
  await server.cleanup();
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
mkdirSync("perf", { recursive: true });
writeFileSync("perf/results.json", `${JSON.stringify(results, null, 2)}\n`);
const r = results;
writeFileSync(
  "perf/results.md",
  `# UI performance

Generated by \`npm run perf\` (\`web/scripts/perf.mjs\`): headless Chromium (Debian's), a real \`chinwag serve\` (debug build), ${os.cpus().length} cores (${cpu}).

| measure | figure |
| --- | ---: |
| first render of a 30-message chat, from \`mount()\` (median of ${LOADS}) | ${r.firstRender.sinceMountMs.toFixed(1)} ms |
| the same, from navigation start | ${r.firstRender.sinceNavigationMs.toFixed(1)} ms |
| history loaded by scrolling back (30 per page) | ${r.loadHistory.messages} messages in ${r.loadHistory.seconds.toFixed(1)} s |
| rows in the DOM once all are loaded (a window around the view) | ${r.loadHistory.rowsInDom} |
| frames while scrolling all of it, 120 px per frame | ${r.scroll.frames} |
| frame time p50 / p95 / p99 / max | ${r.scroll.p50Ms.toFixed(1)} / ${r.scroll.p95Ms.toFixed(1)} / ${r.scroll.p99Ms.toFixed(1)} / ${r.scroll.maxMs.toFixed(1)} ms |
| frames over 17.5 ms (a missed 60 Hz frame) / over 34 ms | ${r.scroll.over17Ms} / ${r.scroll.over33Ms} |
`,
);
