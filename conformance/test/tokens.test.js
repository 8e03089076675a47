// Token renewal through onNeedToken (JWT mode):
//  - an expired token at connect: session/renew answers 401, the client asks
//    onNeedToken for a new one and renews again;
//  - a token with < 120 s left: the client treats it as expired and renews
//    at once, on the same socket;
//  - a 130 s token: the client refreshes at half its lifetime (~65 s) and
//    renews in place; subscriptions carry on without a gap.
// The server-side expiry (session.expired) is in token-expiry.test.js.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, exchanges, eventsReceived, traceSince, waitFor } from '../lib/harness.js';

const server = serverForFile();

const renewals = (user, since) => exchanges(user, since, (x) => x.method === 'POST' && x.path === '/session/renew');
const opens = (ctx, user) => traceSince(ctx.started, (w) => w === user).filter((e) => e.kind === 'ws' && e.text === 'open').length;

async function setup(ctx) {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);
  return { alice, bob, cid };
}

/** A session whose onNeedToken hands out `tokens()` results in turn, recording when it was called. */
function tokenSession(ctx, userId, nextToken) {
  const calls = [];
  let session;
  const onNeedToken = () => {
    calls.push(Date.now());
    Promise.resolve(nextToken(calls.length))
      .then((t) => {
        if (t !== undefined) session.setToken(t);
      })
      .catch((err) => console.error('[TalkJS-test] token fetch failed', err));
  };
  session = ctx.session(userId, { onNeedToken });
  return { session, calls };
}

scenario('an expired token at connect: session/renew answers 401 and onNeedToken supplies a fresh one', server, async (ctx) => {
  const { alice, bob, cid } = await setup(ctx);
  const expired = ctx.server.jwt(alice, { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 });
  const { session: A, calls } = tokenSession(ctx, alice, (n) => (n === 1 ? expired : ctx.server.userToken(alice, '1h')));
  const B = ctx.session(bob);

  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice is connected after the token refresh', 15000);
  assert.equal(calls.length, 2, 'onNeedToken was called for the first token and again after the 401');
  const r = renewals(alice, ctx.started);
  assert.equal(r[0]?.status, 401, `the expired token is refused with 401: ${JSON.stringify(r[0])}`);
  assert.equal(r[1]?.status, 200, 'the fresh token is accepted');
  const life = r[1].response?.expiresInSeconds;
  assert.ok(life > 3500 && life <= 3600, `expiresInSeconds is the token's remaining lifetime (${life})`);

  await ctx.step(B.conversation(cid).send('hello after renew'), 'Bob sends');
  await ctx.until(msgsA, (s) => s.length === 1, 'Alice receives it live');
});

scenario('a token with less than 120 s left is replaced at once via onNeedToken, on the same socket', server, async (ctx) => {
  const { alice, bob, cid } = await setup(ctx);
  const { session: A, calls } = tokenSession(ctx, alice, (n) => ctx.server.userToken(alice, n === 1 ? '60s' : '1h'));
  const B = ctx.session(bob);

  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice is connected', 15000);
  await waitFor(() => renewals(alice, ctx.started).filter((x) => x.status === 200).length >= 2, 10000, 'two successful renewals');
  const r = renewals(alice, ctx.started);
  const first = r[0].response?.expiresInSeconds;
  assert.ok(first >= 50 && first <= 60, `the 60 s token reports its remaining lifetime (${first})`);
  assert.equal(calls.length, 2, 'onNeedToken was asked again at once');
  assert.ok(r[1].response?.expiresInSeconds > 3500, 'the replacement lasts an hour');
  assert.equal(r[0].socket, r[1].socket, 'the second renewal happened on the same socket');
  assert.equal(opens(ctx, alice), 1, 'no reconnect');

  await ctx.step(B.conversation(cid).send('still live'), 'Bob sends');
  await ctx.until(msgsA, (s) => s.length === 1, 'Alice receives it live');
});

scenario('a 130 s token is refreshed through onNeedToken at half its lifetime, in place, without a gap', server, async (ctx) => {
  const { alice, bob, cid } = await setup(ctx);
  const { session: A, calls } = tokenSession(ctx, alice, (n) => ctx.server.userToken(alice, n === 1 ? '130s' : '1h'));
  const B = ctx.session(bob);

  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice is connected', 15000);
  const r0 = renewals(alice, ctx.started);
  const life = r0[0]?.response?.expiresInSeconds;
  assert.ok(life >= 120 && life <= 130, `the first renewal reports about 130 s (${life})`);
  const connectedAt = r0[0].answeredAt;

  await ctx.step(B.conversation(cid).send('before refresh'), 'Bob sends before the refresh');
  await ctx.until(msgsA, (s) => s.length === 1, 'Alice receives it');

  await waitFor(() => calls.length >= 2, 80000, 'onNeedToken is called for the scheduled refresh (~65 s)');
  const after = (calls[1] - connectedAt) / 1000;
  assert.ok(after >= 55 && after <= 75, `the refresh came ${after.toFixed(1)} s after connecting (half of 130 s)`);
  await waitFor(() => renewals(alice, ctx.started).filter((x) => x.status === 200).length >= 2, 10000, 'the refreshed token is accepted');
  const r = renewals(alice, ctx.started);
  assert.equal(r[1].socket, r[0].socket, 'renewed on the same socket');
  assert.ok(r[1].response?.expiresInSeconds > 3500);
  assert.equal(opens(ctx, alice), 1, 'no reconnect');
  assert.ok(!eventsReceived(alice, ctx.started).some((e) => e.event.type === 'session.expired'), 'no session.expired was needed');

  await ctx.step(B.conversation(cid).send('after refresh'), 'Bob sends after the refresh');
  const s = await ctx.until(msgsA, (x) => x.length === 2, 'Alice still receives live messages');
  assert.deepEqual(s.latestSnapshot.map((m) => m.plaintext), ['after refresh', 'before refresh']);
  assert.equal(msgsA.state.type, 'active');
}, { timeout: 120000 });
