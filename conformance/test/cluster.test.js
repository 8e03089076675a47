// A cluster: two nodes on one PostgreSQL database, their events carried by
// NATS (127.0.0.1:4222, or CHINWAG_TEST_NATS_URL). Runs only when the suite
// runs on PostgreSQL (CHINWAG_TEST_DATABASE_URL).
//
// Bob's client reaches the cluster through a TCP proxy (a load balancer in
// miniature) that sends each new connection to node B while it lives, then
// to node A. Node B is killed with SIGKILL: Bob's client reconnects, through
// the proxy, to node A, and its subscriptions catch up with nothing missing
// or duplicated.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before } from 'node:test';

import { Server, releaseTimers, scenario, uid } from '../lib/harness.js';

const onPostgres = Boolean(process.env.CHINWAG_TEST_DATABASE_URL);
const NATS = process.env.CHINWAG_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

let nodeA = null;
let nodeB = null;
let proxy = null;

/** A TCP proxy to the first node of `nodes` whose process is alive. */
function startProxy(nodes) {
  const alive = (n) => n.proc && n.proc.exitCode === null && n.proc.signalCode === null;
  const sockets = new Set();
  const server = net.createServer((client) => {
    const target = nodes.find(alive);
    if (!target) return client.destroy();
    const upstream = net.connect(target.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        host: `127.0.0.1:${server.address().port}`,
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      }),
    ),
  );
}

if (onPostgres) {
  before(async () => {
    nodeA = await Server.start({ natsUrl: NATS });
    nodeB = await Server.join(nodeA);
    proxy = await startProxy([nodeB, nodeA]);
  });
  after(async () => {
    proxy?.close();
    await nodeB?.cleanup();
    await nodeA?.cleanup();
    releaseTimers();
  });
}

const texts = (snap) => (snap ?? []).map((m) => m.plaintext);
const unique = (snap) => new Set((snap ?? []).map((m) => m.id)).size === (snap ?? []).length;

scenario(
  "a node dies under its clients: they reconnect to another node and catch up",
  () => nodeA,
  async (ctx) => {
    const alice = uid('alice');
    const bob = uid('bob');
    const cid = uid('conv');
    await ctx.server.createUsers([alice, bob]);
    await ctx.server.createConversation(cid, [alice, bob]);
    const A = ctx.session(alice); // straight to node A
    const B = ctx.session(bob, 'jwt', { host: proxy.host }); // node B, while it lives
    const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
    const listB = ctx.track(B.subscribeConversations());
    const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
    await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes (on node B)');
    await ctx.until(listB, (s) => s?.length === 1, "Bob's list holds the conversation");
    await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice subscribes (on node A)');

    // Across nodes while both live.
    await ctx.step(A.conversation(cid).send('before'), 'Alice sends on node A');
    await ctx.until(msgsB, (s) => texts(s).join() === 'before', 'Bob hears it on node B');
    await ctx.step(B.conversation(cid).send('from b'), 'Bob sends on node B');
    await ctx.until(msgsA, (s) => s[0]?.plaintext === 'from b', 'Alice hears it on node A');

    await nodeB.kill();
    await ctx.server.say(cid, alice, 'gap 1');
    await ctx.step(A.conversation(cid).send('gap 2'), 'Alice sends while Bob is away');

    const expected = ['gap 2', 'gap 1', 'from b', 'before'];
    const caught = await ctx.until(
      msgsB,
      (s) => s.length > 4 || texts(s).join('\n') === expected.join('\n'),
      "Bob's client reconnects (to node A) and catches up",
      40000,
    );
    assert.deepEqual(texts(caught.latestSnapshot), expected, 'nothing lost');
    assert.ok(unique(caught.latestSnapshot), 'nothing duplicated');
    await ctx.until(listB, (s) => s?.[0]?.lastMessage?.plaintext === 'gap 2', "Bob's list caught up");

    await ctx.step(A.conversation(cid).send('after'), 'Alice sends after the failover');
    const live = await ctx.until(msgsB, (s) => s[0]?.plaintext === 'after', 'Bob hears live messages again');
    assert.ok(unique(live.latestSnapshot), 'nothing duplicated');
    await ctx.step(B.conversation(cid).send('bob is back'), 'Bob sends through node A', 20000);
    await ctx.until(msgsA, (s) => s[0]?.plaintext === 'bob is back', "Alice hears Bob's message");
  },
  { timeout: 90000, skip: onPostgres ? false : 'a cluster needs PostgreSQL (CHINWAG_TEST_DATABASE_URL)' },
);
