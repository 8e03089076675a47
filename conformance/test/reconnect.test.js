// Forced socket drops. The client reconnects after a random 5–15 s, renews
// its session, re-subscribes and re-fetches; nothing sent in the gap may be
// lost and nothing may be duplicated.
//
// Three ways to drop the socket from outside the client:
//  1. the TCP connection is destroyed under the client (ws.terminate());
//  2. the reply to an in-flight send is lost and the socket dropped, so the
//     client retries the send with the same idempotencyKey on a new socket;
//  3. the server process is restarted on the same data dir and port.

import assert from 'node:assert/strict';

import {
  scenario,
  serverForFile,
  uid,
  dropSockets,
  loseNextResponse,
  traceSince,
  framesSent,
} from '../lib/harness.js';

const server = serverForFile();

const texts = (snap) => (snap ?? []).map((m) => m.plaintext);
const unique = (snap) => new Set((snap ?? []).map((m) => m.id)).size === (snap ?? []).length;
const opens = (ctx, user) => traceSince(ctx.started, (w) => w === user).filter((e) => e.kind === 'ws' && e.text === 'open').length;

async function setup(ctx) {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);
  return { alice, bob, cid, A: ctx.session(alice), B: ctx.session(bob) };
}

scenario('socket dropped under the client: subscriptions resume with no lost or duplicated messages', server, async (ctx) => {
  const { alice, bob, cid, A, B } = await setup(ctx);
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  const listB = ctx.track(B.subscribeConversations());
  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes to messages');
  await ctx.until(listB, (s) => s?.length === 1, "Bob's list holds the conversation");
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice subscribes to messages');

  const before = await ctx.step(A.conversation(cid).send('before'), 'Alice sends before the drop');
  await ctx.until(msgsB, (s) => s.length === 1, 'Bob receives it live');

  const dropped = dropSockets(bob);
  assert.ok(dropped >= 1, "Bob's socket was open and has been dropped");

  // While Bob is away: two REST messages, one from Alice's session, and an edit.
  await ctx.server.say(cid, alice, 'gap 1');
  await ctx.server.say(cid, alice, 'gap 2');
  await ctx.step(A.conversation(cid).send('gap 3'), 'Alice sends while Bob is away');
  await ctx.step(A.conversation(cid).message(before.id).edit('before (edited)'), 'Alice edits while Bob is away');

  // Our client reconnects within a second, often before the gap is over, so
  // part of it arrives live: wait for the whole of it (the edit included),
  // not merely for four messages.
  const caughtUp = ['gap 3', 'gap 2', 'gap 1', 'before (edited)'];
  const resumed = await ctx.until(
    msgsB,
    (s) => s.length > 4 || texts(s).join('\n') === caughtUp.join('\n'),
    "Bob's messages catch up after the reconnect (the official client waits 5–15 s)",
    30000,
  );
  assert.deepEqual(texts(resumed.latestSnapshot), caughtUp, 'nothing lost, the edit applied');
  assert.ok(unique(resumed.latestSnapshot), 'no duplicates');
  assert.ok(opens(ctx, bob) >= 2, 'Bob reconnected on a new socket');
  await ctx.until(listB, (s) => s?.[0]?.lastMessage?.plaintext === 'gap 3', "Bob's list shows the last message sent in the gap");

  // Live again.
  await ctx.step(A.conversation(cid).send('after'), 'Alice sends after the reconnect');
  const live = await ctx.until(msgsB, (s) => s[0]?.plaintext === 'after', 'Bob receives live messages again', 5000);
  assert.deepEqual(texts(live.latestSnapshot), ['after', 'gap 3', 'gap 2', 'gap 1', 'before (edited)']);
  assert.ok(unique(live.latestSnapshot), 'no duplicates');
  // And Bob can still write.
  await ctx.step(B.conversation(cid).send('bob is back'), 'Bob sends after the reconnect');
  await ctx.until(msgsA, (s) => s[0]?.plaintext === 'bob is back', 'Alice receives Bob\'s message');
}, { timeout: 60000 });

scenario('a send whose reply was lost is retried on the new socket and stored exactly once (idempotencyKey)', server, async (ctx) => {
  const { bob, cid, A, B } = await setup(ctx);
  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice subscribes to messages');
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes to messages');

  const lost = loseNextResponse(bob, (f) => f[1] === 'POST' && f[2] === `/conversations/${encodeURIComponent(cid)}/messages`);
  const sending = B.conversation(cid).send('exactly once');
  const lostFrame = await ctx.step(lost, "the reply to Bob's send is lost", 10000);
  assert.equal(lostFrame[1], 200, `the server accepted the first attempt: ${JSON.stringify(lostFrame)}`);

  const ref = await ctx.step(sending, "Bob's send resolves after the client retries on a new socket", 30000);
  assert.equal(ref.id, lostFrame[2]?.id, 'the retry answers the id of the message stored by the first attempt');

  const posts = framesSent(bob, ctx.started)
    .map((t) => JSON.parse(t))
    .filter((f) => f[1] === 'POST' && String(f[2]).endsWith('/messages'));
  assert.equal(posts.length, 2, 'the client sent the request twice');
  assert.equal(posts[0][3].idempotencyKey, posts[1][3].idempotencyKey, 'with the same idempotencyKey');

  await ctx.until(msgsA, (s) => s.some((m) => m.plaintext === 'exactly once'), 'Alice sees the message', 10000);
  await ctx.until(msgsB, (s) => s.some((m) => m.plaintext === 'exactly once'), 'Bob sees the message after reconnecting', 20000);
  const stored = await ctx.server.restOk('GET', `/conversations/${cid}/messages`);
  assert.equal(stored.data.filter((m) => m.text === 'exactly once' || m.plaintext === 'exactly once').length, 1, 'stored once');
  assert.equal(msgsA.state.latestSnapshot.filter((m) => m.plaintext === 'exactly once').length, 1, 'Alice has it once');
  assert.equal(msgsB.state.latestSnapshot.filter((m) => m.plaintext === 'exactly once').length, 1, 'Bob has it once');
}, { timeout: 60000 });

// Keep this one last in the file: it restarts the file's server.
scenario('server restart on the same data dir and port: clients reconnect and catch up', server, async (ctx) => {
  const { alice, bob, cid, A, B } = await setup(ctx);
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes to messages');
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice subscribes to messages');
  await ctx.step(A.conversation(cid).send('before restart'), 'Alice sends');
  await ctx.until(msgsB, (s) => s.length === 1, 'Bob receives it');

  await ctx.server.restart();
  await ctx.server.say(cid, alice, 'while away 1');
  await ctx.server.say(cid, alice, 'while away 2');

  const resumed = await ctx.until(msgsB, (s) => s.length >= 3, "Bob's messages catch up after the restart", 30000);
  assert.deepEqual(texts(resumed.latestSnapshot), ['while away 2', 'while away 1', 'before restart']);
  assert.ok(unique(resumed.latestSnapshot), 'no duplicates');
  assert.ok(opens(ctx, bob) >= 2, 'Bob reconnected');

  await ctx.step(A.conversation(cid).send('after restart'), 'Alice sends after the restart', 30000);
  const live = await ctx.until(msgsB, (s) => s[0]?.plaintext === 'after restart', 'Bob receives it live', 10000);
  assert.deepEqual(texts(live.latestSnapshot), ['after restart', 'while away 2', 'while away 1', 'before restart']);
}, { timeout: 90000 });
