// A server restart with sends in flight: the process is killed (SIGKILL)
// while a burst of sends is on the wire, then started again on the same data
// dir and port. Every send must resolve once the client is back, and every
// message must exist exactly once: stored once, shown once to the sender and
// to the other participant. Sends answered before the kill were committed;
// those that were not are sent again on the new socket with the same
// idempotencyKey, and the server keeps the first copy if it had one.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, exchanges } from '../lib/harness.js';

const server = serverForFile();

const N = 20;

scenario('server killed with sends in flight: after the restart every send resolves, each message exactly once', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);
  const A = ctx.session(alice);
  const B = ctx.session(bob);
  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice subscribes to messages');
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes to messages');

  // The burst goes out, and the server dies under it.
  const sends = [];
  for (let i = 0; i < N; i++) sends.push(A.conversation(cid).send(`burst ${i}`));
  const outcomes = Promise.allSettled(sends);
  await ctx.server.restart({ hard: true });

  const settled = await ctx.step(outcomes, 'every send settles after the restart', 60000);
  const failed = settled.filter((r) => r.status === 'rejected');
  assert.deepEqual(failed.map((r) => r.reason?.message), [], 'no send failed');
  const ids = settled.map((r) => r.value.id);
  assert.equal(new Set(ids).size, N, 'each send got its own message id');

  // The kill really caught sends in flight: some were sent on the first socket and never answered there.
  const posts = exchanges(alice, ctx.started, (x) => x.method === 'POST' && String(x.path).endsWith('/messages'));
  const unanswered = posts.filter((x) => x.socket === 0 && x.status === undefined).length;
  const resent = posts.filter((x) => x.socket > 0).length;
  assert.ok(unanswered > 0, `at least one send was in flight when the server died (sent ${posts.length} times, ${unanswered} unanswered)`);
  assert.ok(resent >= unanswered, `every unanswered send was sent again (${resent} resent for ${unanswered} unanswered)`);

  const expected = Array.from({ length: N }, (_, i) => `burst ${i}`).sort();
  const stored = await ctx.server.restOk('GET', `/conversations/${encodeURIComponent(cid)}/messages?limit=100`);
  assert.deepEqual(stored.data.map((m) => m.text).sort(), expected, 'stored exactly once each');
  assert.deepEqual(stored.data.map((m) => m.id).sort(), [...ids].sort(), 'the ids the sends resolved with are the stored ones');

  for (const [who, sub] of [['Alice', msgsA], ['Bob', msgsB]]) {
    const got = await ctx.until(sub, (s) => s.length >= N, `${who} sees all ${N} messages`, 30000);
    assert.deepEqual(got.latestSnapshot.map((m) => m.plaintext).sort(), expected, `${who} sees each exactly once`);
  }
}, { timeout: 120000 });
