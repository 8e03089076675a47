// @chinwag/core in a real browser: Debian's Chromium, driven by
// playwright-core, loads a page from another origin that imports the ESM
// build (sdk/js/dist/index.js) with no bundler and no polyfill. In the page,
// Alice uses the browser's own WebSocket, fetch, FormData and Blob: she
// subscribes to a conversation, sends, receives Bob's message (sent from
// Node), uploads an image and sends it.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { scenario, serverForFile, uid, onlyChinwag, CONFORMANCE_DIR } from '../lib/harness.js';

const server = serverForFile();
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const DIST = path.resolve(CONFORMANCE_DIR, '../sdk/js/dist');

const skip =
  onlyChinwag('the official client is not served to a browser by this suite') ||
  (!existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_BIN)`);

/** Serves the page and the SDK build on its own origin (loopback, port 0). */
async function pageServer() {
  const http = createServer(async (req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>chinwag sdk</title><p>ok</p>');
      return;
    }
    if (req.url === '/sdk/index.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(await readFile(path.join(DIST, 'index.js')));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { http, origin: `http://127.0.0.1:${http.address().port}` };
}

scenario('in Chromium: subscribe, send, receive, upload and send an image with the browser\'s own APIs', server, async (ctx) => {
  const { chromium } = await import('playwright-core');
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);
  const B = ctx.session(bob);
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes');

  const { http, origin } = await pageServer();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(origin);
    const setup = { appId: ctx.server.appId, userId: alice, host: ctx.server.host, token: ctx.server.jwt(alice), cid };
    // In the page: a session, a message subscription, a send.
    const sentId = await page.evaluate(async (o) => {
      const sdk = await import('/sdk/index.js');
      const session = sdk.getTalkSession({ appId: o.appId, userId: o.userId, host: o.host });
      session.setToken(o.token);
      window.seen = [];
      window.session = session;
      window.sub = session.conversation(o.cid).subscribeMessages((msgs) => {
        window.seen = (msgs ?? []).map((m) => m.plaintext);
      });
      await window.sub.connected;
      const ref = await session.conversation(o.cid).send('hello from *Chromium*');
      return ref.id;
    }, setup);
    assert.equal(typeof sentId, 'string');
    await ctx.until(msgsB, (s) => s[0]?.plaintext === 'hello from Chromium', 'Bob (Node) receives the browser\'s message');

    await ctx.step(B.conversation(cid).send('hello from Node'), 'Bob sends');
    await page.waitForFunction(() => window.seen[0] === 'hello from Node', null, { timeout: 10000 });

    // An upload with the browser's FormData and Blob, then a file message.
    const fileMessage = await page.evaluate(async (o) => {
      const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));
      const token = await window.session.uploadImage(new Blob([png], { type: 'image/png' }), { filename: 'dot.png', width: 1, height: 1 });
      const ref = await window.session.conversation(o.cid).send({ content: [{ type: 'file', fileToken: token }] });
      const msg = await ref.get();
      return { block: msg.content[0], size: png.length };
    }, setup);
    assert.equal(fileMessage.block.type, 'file');
    assert.equal(fileMessage.block.subtype, 'image');
    assert.equal(fileMessage.block.filename, 'dot.png');
    assert.equal(fileMessage.block.size, fileMessage.size);
    await ctx.until(msgsB, (s) => s[0]?.content?.[0]?.type === 'file', 'Bob receives the image');
    const res = await fetch(fileMessage.block.url);
    assert.equal(res.status, 200, 'the file URL serves the bytes');
    assert.equal((await res.arrayBuffer()).byteLength, fileMessage.size);

    await page.evaluate(() => window.session.destroy());
    assert.deepEqual(errors, [], 'no uncaught error in the page');
  } finally {
    await browser.close();
    http.close();
  }
}, { skip, timeout: 90000 });
