// Server-side token expiry. A token must report at least 120 s or the client
// replaces it at once, and the client refreshes at half the lifetime; so to
// see a real expiry the app's backend must be slow: onNeedToken is called at
// ~62 s and answered only after the server has sent session.expired (~125 s).
// This is the one scenario that needs over two minutes; it runs in parallel
// with the other files.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, exchanges, eventsReceived, traceSince, waitFor, sleep } from '../lib/harness.js';

const server = serverForFile();

scenario('token expiry: the server sends session.expired, the client renews in place via onNeedToken and catches up', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);

  const calls = [];
  const first = await ctx.server.userToken(alice, '125s');
  let A;
  const onNeedToken = () => {
    calls.push(Date.now());
    if (calls.length === 1) A.setToken(first);
    // Later calls are answered by the test, after session.expired.
  };
  A = ctx.session(alice, { onNeedToken });
  const B = ctx.session(bob);

  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice is connected', 15000);
  const renew0 = exchanges(alice, ctx.started, (x) => x.path === '/session/renew')[0];
  assert.equal(renew0?.status, 200);
  const life = renew0.response?.expiresInSeconds;
  assert.ok(life >= 120 && life <= 125, `expiresInSeconds is about 125 (${life})`);
  const expiresAt = renew0.answeredAt + life * 1000;

  await ctx.step(B.conversation(cid).send('before expiry'), 'Bob sends before the expiry');
  await ctx.until(msgsA, (s) => s.length === 1, 'Alice receives it');

  // The scheduled refresh asks for a token at ~half the lifetime; the test leaves it unanswered.
  await waitFor(() => calls.length >= 2, 75000, 'the scheduled refresh calls onNeedToken (~62 s)');

  // The server must now expire the socket's session by itself.
  const expired = await waitFor(
    () => eventsReceived(alice, ctx.started).find((e) => e.event.type === 'session.expired'),
    Math.max(5000, expiresAt - Date.now() + 15000),
    'a PUBLISH with {"type":"session.expired"} when the token expires',
  );
  const late = (expired.t - expiresAt) / 1000;
  assert.ok(late > -3 && late < 10, `session.expired came ${late.toFixed(1)} s after the token's exp`);

  // While expired, nothing is routed to the socket.
  await ctx.server.say(cid, bob, 'during expiry');
  await sleep(1500);
  const leaked = eventsReceived(alice, expired.t + 1).filter((e) => JSON.stringify(e.event).includes('during expiry'));
  assert.deepEqual(leaked, [], 'no events are delivered on an expired session');

  // The backend finally answers: the client renews on the same socket and re-subscribes.
  A.setToken(await ctx.server.userToken(alice, '1h'));
  await waitFor(
    () => exchanges(alice, expired.t, (x) => x.path === '/session/renew' && x.status === 200).length >= 1,
    10000,
    'a successful session/renew after session.expired',
  );
  const opens = traceSince(ctx.started, (w) => w === alice).filter((e) => e.kind === 'ws' && e.text === 'open').length;
  assert.equal(opens, 1, 'the session was renewed in place, without a new socket');

  const caught = await ctx.until(msgsA, (s) => s.length === 2, 'the message sent during the expiry arrives after the renewal', 10000);
  assert.deepEqual(caught.latestSnapshot.map((m) => m.plaintext), ['during expiry', 'before expiry']);
  await ctx.step(B.conversation(cid).send('after renewal'), 'Bob sends after the renewal');
  await ctx.until(msgsA, (s) => s[0]?.plaintext === 'after renewal', 'Alice receives live messages again');
}, { timeout: 200000 });
