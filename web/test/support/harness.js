// End-to-end harness for the UI: a real `chinwag serve` (fresh data dir,
// port 0), pages served from another origin, and Debian's Chromium driven by
// playwright-core (never a downloaded browser).
//
// Environment: CHINWAG_BIN (default ../target/debug/chinwag), CHROMIUM_BIN
// (default /usr/bin/chromium).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIR = path.resolve(here, "../..");
export const BIN = process.env.CHINWAG_BIN
  ? path.resolve(process.env.CHINWAG_BIN)
  : path.resolve(WEB_DIR, "../target/debug/chinwag");
export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
export const ARTIFACTS = path.join(WEB_DIR, "test-results");

/** A PNG of `width`×`height` pixels, coloured by `rgb(x, y)`: real image bytes for upload tests. */
export function makePng(width, height, rgb) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "ascii");
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let seq = 0;
/** A unique id for this run (users and conversations never collide between tests). */
export function uid(prefix) {
  seq += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${seq}`;
}

export class Server {
  constructor() {
    this.proc = null;
    this.dataDir = null;
    this.port = 0;
    this.appId = "dev";
    this.key = null;
    this.base = null;
    this.log = [];
  }

  get origin() {
    return this.base;
  }

  static async start() {
    const s = new Server();
    s.dataDir = await mkdtemp(path.join(os.tmpdir(), "chinwag-ui-"));
    await s.#spawn(0);
    return s;
  }

  async #spawn(port) {
    if (!existsSync(BIN))
      throw new Error(`no server binary at ${BIN}: run \`cargo build -p chinwag\` or set CHINWAG_BIN`);
    const proc = spawn(BIN, ["serve", "--listen", `127.0.0.1:${port}`, "--data-dir", this.dataDir], {
      env: { ...process.env, CHINWAG_LOG: process.env.CHINWAG_LOG ?? "warn", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once("exit", resolve));
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("chinwag serve did not start within 30 s")), 30_000);
      let buf = "";
      proc.stdout.setEncoding("utf8");
      proc.stdout.on("data", (chunk) => {
        buf += chunk;
        let i = buf.indexOf("\n");
        while (i >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          this.log.push(line);
          const key = /^\s*secret key:\s*(\S+)/.exec(line);
          if (key) this.key = key[1];
          const addr = /^chinwag listening on (http:\/\/\S+)/.exec(line);
          if (addr) {
            clearTimeout(timer);
            this.base = addr[1];
            this.port = Number(new URL(this.base).port);
            resolve();
          }
          i = buf.indexOf("\n");
        }
      });
      proc.stderr.setEncoding("utf8");
      proc.stderr.on("data", (chunk) => this.log.push(chunk.trimEnd()));
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(`chinwag serve exited early (code ${code}, signal ${signal}): ${this.log.slice(-5).join(" | ")}`),
        );
      });
    });
  }

  async stop() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    const done = await Promise.race([this.exited, sleep(5000).then(() => null)]);
    if (done === null) {
      proc.kill("SIGKILL");
      await this.exited;
    }
  }

  /** Kills the server (SIGKILL) and starts it again on the same port and data. */
  async restart({ hard = true, downMs = 0 } = {}) {
    const proc = this.proc;
    if (hard) {
      proc.kill("SIGKILL");
      await this.exited;
    } else await this.stop();
    await sleep(downMs);
    let last;
    for (let i = 0; i < 40; i++) {
      try {
        await this.#spawn(this.port);
        return;
      } catch (e) {
        last = e;
        await sleep(250);
      }
    }
    throw last;
  }

  async cleanup() {
    await this.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  /** A REST call as the app's backend (secret key). */
  async rest(method, p, body) {
    const res = await fetch(`${this.base}/v1/${this.appId}${p}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`REST ${method} ${p} answered ${res.status}: ${text.slice(0, 300)}`);
    return json;
  }

  async createUser(id, attrs = {}) {
    await this.rest("PUT", `/users/${encodeURIComponent(id)}`, { name: id, ...attrs });
  }

  async createConversation(id, participants, attrs = {}) {
    await this.rest("PUT", `/conversations/${encodeURIComponent(id)}`, { participants, ...attrs });
  }

  /** Sends messages as `sender`, in order, ten per request (the REST API's limit). */
  async send(conversationId, sender, texts) {
    const list = (Array.isArray(texts) ? texts : [texts]).map((text) => ({ text, sender, type: "UserMessage" }));
    for (let i = 0; i < list.length; i += 10) {
      await this.rest("POST", `/conversations/${encodeURIComponent(conversationId)}/messages`, list.slice(i, i + 10));
    }
  }

  async messages(conversationId, limit = 100) {
    const r = await this.rest("GET", `/conversations/${encodeURIComponent(conversationId)}/messages?limit=${limit}`);
    return r.data;
  }
}

/** Serves pages on their own origin (loopback, port 0): `pages` maps a path to HTML. */
export async function pageServer(pages) {
  const http = createServer((req, res) => {
    const pathname = new URL(req.url, "http://x").pathname;
    if (pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const page = pages[pathname];
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(typeof page === "function" ? page(req) : page);
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${http.address().port}`, close: () => new Promise((r) => http.close(r)) };
}

/** Debian's Chromium: these tests need it (scripts/install-chromium installs it), and fail without it. */
export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: run scripts/install-chromium (apt-get install -y chromium), or set CHROMIUM_BIN`,
    );
  }
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/**
 * A browser context with its own storage (one user), a page, and the page's
 * errors collected (a test fails on any uncaught page error).
 */
export async function openPage(
  browser,
  { viewport = { width: 1100, height: 760 }, colorScheme = "light", bypassCSP = false } = {},
) {
  // `bypassCSP`: for pages that inject axe-core (the demo's policy forbids inline scripts).
  const context = await browser.newContext({ viewport, colorScheme, bypassCSP });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    // A failed load is reported below with its URL.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { context, page, errors };
}

/** Signs into the demo at `/` as a user. */
export async function demoSignIn(page, server, userId, name) {
  await page.goto(`${server.origin}/`);
  await page.locator("#userId").fill(userId);
  await page.locator("#name").fill(name);
  await page.locator("#signin button[type=submit]").click();
  await page.locator("chinwag-inbox").waitFor();
}

/** Starts (or opens) the 1:1 with `otherId` from the demo's form. */
export async function demoStartOneOnOne(page, otherId) {
  await page.locator("#otherId").fill(otherId);
  await page.locator("#start-1on1 button").click();
}

/** The composer's textarea of the (only) chat on the page. */
export function field(page) {
  return page.locator("cw-composer textarea");
}

export async function sendText(page, text) {
  const f = field(page);
  await f.click();
  await f.fill(text);
  await f.press("Enter");
}

/** Message rows, in reading order (oldest first, as in the DOM). */
export function rows(page) {
  return page.locator("cw-message-list .row[data-id]");
}

export function messageText(page, text) {
  return page.locator("cw-message-list .bubble .text", { hasText: text });
}
