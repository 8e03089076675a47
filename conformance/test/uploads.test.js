// Uploads: uploadImage / uploadFile / uploadVideo / uploadAudio / uploadVoice
// with a Blob (files/validate on the socket, then the multipart HTTP upload
// with the user's token), a message with the file block, and the receiver
// seeing a file block with url, filename, size and the subtype metadata.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, rejects, rawFetch, traceSince } from '../lib/harness.js';

const server = serverForFile();

const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

async function pair(ctx) {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);
  return { alice, bob, cid, A: ctx.session(alice), B: ctx.session(bob) };
}

async function download(url) {
  const res = await rawFetch(url, { signal: AbortSignal.timeout(15000) });
  assert.equal(res.status, 200, `GET ${url} answers 200`);
  return Buffer.from(await res.arrayBuffer());
}

scenario('uploadImage, then a file message: Bob sees an image block with url, filename, size, width, height', server, async (ctx) => {
  const { cid, A, B } = await pair(ctx);
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes to messages');

  const token = await ctx.step(
    A.uploadImage(new Blob([PNG_1X1], { type: 'image/png' }), { filename: 'dot.png', width: 1, height: 1 }),
    'Alice: uploadImage',
  );
  assert.equal(typeof token, 'string', 'uploadImage resolves with a file token string');
  assert.ok(token.length > 0);

  const ref = await ctx.step(A.conversation(cid).send({ content: [{ type: 'file', fileToken: token }] }), 'Alice sends the file block');
  const got = await ctx.until(msgsB, (s) => s.length === 1, 'Bob receives the file message');
  const msg = got.latestSnapshot[0];
  assert.equal(msg.id, ref.id);
  const block = msg.content[0];
  assert.equal(block.type, 'file');
  assert.equal(block.subtype, 'image');
  assert.equal(block.filename, 'dot.png');
  assert.equal(block.size, PNG_1X1.length);
  assert.equal(block.width, 1);
  assert.equal(block.height, 1);
  assert.equal(typeof block.fileToken, 'string');
  assert.match(block.url, /^https?:\/\//, 'the url is absolute');
  assert.deepEqual(await download(block.url), PNG_1X1, 'the url serves the uploaded bytes');

  // Re-sending a received file block (apps do this) works: Bob forwards it.
  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => s?.length === 1, 'Alice subscribes to messages');
  await ctx.step(B.conversation(cid).send({ content: msg.content }), 'Bob re-sends the received block');
  const fwd = await ctx.until(msgsA, (s) => s.length === 2, 'Alice receives the forwarded file');
  assert.equal(fwd.latestSnapshot[0].content[0].filename, 'dot.png');
  assert.equal(fwd.latestSnapshot[0].content[0].size, PNG_1X1.length);
});

scenario('uploadFile, uploadVideo, uploadAudio, uploadVoice: each arrives with its subtype and metadata', server, async (ctx) => {
  const { cid, A, B } = await pair(ctx);
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes to messages');

  const cases = [
    { fn: 'uploadFile', meta: { filename: 'notes.txt' }, bytes: Buffer.from('hello file\n'), expect: { subtype: undefined } },
    { fn: 'uploadVideo', meta: { filename: 'clip.mp4', width: 640, height: 480, duration: 12.5 }, bytes: Buffer.alloc(2048, 7), expect: { subtype: 'video', width: 640, height: 480, duration: 12.5 } },
    { fn: 'uploadAudio', meta: { filename: 'song.mp3', duration: 61 }, bytes: Buffer.alloc(1500, 3), expect: { subtype: 'audio', duration: 61 } },
    { fn: 'uploadVoice', meta: { filename: 'voice.ogg', duration: 4 }, bytes: Buffer.alloc(900, 9), expect: { subtype: 'voice', duration: 4 } },
  ];
  for (const [i, c] of cases.entries()) {
    const token = await ctx.step(A[c.fn](new Blob([c.bytes]), c.meta), `Alice: ${c.fn}`);
    await ctx.step(A.conversation(cid).send({ content: [{ type: 'file', fileToken: token }] }), `Alice sends the ${c.fn} block`);
    const got = await ctx.until(msgsB, (s) => s.length === i + 1, `Bob receives the ${c.fn} message`);
    const block = got.latestSnapshot[0].content[0];
    assert.equal(block.type, 'file');
    assert.equal(block.filename, c.meta.filename, `${c.fn}: filename`);
    assert.equal(block.size, c.bytes.length, `${c.fn}: size`);
    for (const [k, v] of Object.entries(c.expect)) assert.equal(block[k], v, `${c.fn}: ${k}`);
    assert.deepEqual(await download(block.url), c.bytes, `${c.fn}: the url serves the bytes`);
  }
});

scenario('uploads are validated first: an oversized file is refused before its bytes are sent', server, async (ctx) => {
  const { A, B, cid } = await pair(ctx);
  const big = new Blob([Buffer.alloc(26 * 1024 * 1024, 1)]);
  await rejects(A.uploadFile(big, { filename: 'huge.bin' }), /failed, got status 4\d\d/, 'uploadFile of 26 MiB', 20000);
  // The session keeps working afterwards.
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes to messages');
  await ctx.step(A.conversation(cid).send('still here'), 'Alice sends after the refused upload');
  await ctx.until(msgsB, (s) => s.length === 1, 'Bob receives it');
  assert.ok(
    !traceSince(ctx.started, (w) => w === 'http').some((e) => /POST \/public_api\/v1\/[^/]+\/files /.test(e.text)),
    'the multipart upload must not be attempted after files/validate refused it',
  );
}, { timeout: 40000 });
