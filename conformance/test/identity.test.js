// Authentication modes.
//  - identity verification optional: a session without a token (boken mode)
//    connects as any user;
//  - session/renew checks each JWT claim (signature, iss, sub, tokenType,
//    exp, nbf) and answers 401 to a bad one;
//  - identity verification required: a session without a valid token fails
//    through onError; a valid JWT or a valid legacy signature still works.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, exchanges, within, userSignature, traceSince, waitFor } from '../lib/harness.js';

const server = serverForFile();

const renewals = (user, since) => exchanges(user, since, (x) => x.method === 'POST' && x.path === '/session/renew');

async function setup(ctx) {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);
  return { alice, bob, cid };
}

/** Resolves with the error passed to onError, or rejects after `ms`. */
function errorOf(ctx, session, ms, label) {
  return within(new Promise((resolve) => session.onError(resolve)), ms, `${label}: onError is called`);
}

scenario('identity verification optional: a session without a token (boken) works for any user', server, async (ctx) => {
  const { alice, bob, cid } = await setup(ctx);
  const A = ctx.session(alice, 'none');
  const B = ctx.session(bob);
  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice (boken mode) is connected', 15000);
  const http = traceSince(ctx.started, (w) => w === 'http').map((e) => e.text);
  assert.ok(http.some((t) => t.startsWith(`GET /api/v0/dev/bokens/${alice}?signature=`) && t.includes('-> 200')), `a boken was issued: ${http.join(' | ')}`);
  const r = renewals(alice, ctx.started);
  assert.equal(r[0]?.status, 200);
  const life = r[0].response?.expiresInSeconds;
  assert.ok(life === null || life >= 3300, `a boken reports null or >= 3300 s (${life})`);

  await ctx.step(B.conversation(cid).send('hi boken'), 'Bob sends');
  await ctx.until(msgsA, (s) => s.length === 1, 'Alice receives it');
  // A new user can connect without any token and create herself.
  const newbie = uid('newbie');
  const N = ctx.session(newbie, 'none');
  await ctx.step(N.currentUser.createIfNotExists({ name: 'Newbie' }), 'a tokenless user creates herself');
  assert.equal((await ctx.step(B.user(newbie).get(), 'Bob reads the new user'))?.name, 'Newbie');
});

scenario('session/renew checks signature, iss, sub, tokenType, exp and nbf: each bad token gets 401', server, async (ctx) => {
  const { alice, bob, cid } = await setup(ctx);
  const now = Math.floor(Date.now() / 1000);
  const s = ctx.server;
  const bad = [
    ['wrong key', s.jwt(alice, {}, 'sk_not_the_right_key_at_all_000000')],
    ['wrong iss', s.jwt(alice, { iss: 'another-app' })],
    ['wrong sub', s.jwt(alice, { sub: bob })],
    ['tokenType app', s.jwt(alice, { tokenType: 'app' })],
    ['expired', s.jwt(alice, { exp: now - 600 })],
    ['nbf in the future', s.jwt(alice, { nbf: now + 3600 })],
    ['not a JWT', 'garbage'],
  ];
  const good = s.jwt(alice);
  let A;
  let calls = 0;
  const onNeedToken = () => {
    const i = calls++;
    A.setToken(i < bad.length ? bad[i][1] : good);
  };
  A = ctx.session(alice, { onNeedToken });
  const B = ctx.session(bob);
  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (x) => Array.isArray(x), 'Alice connects after the bad tokens are refused', 20000);
  const r = renewals(alice, ctx.started);
  const statuses = r.map((x) => x.status);
  assert.deepEqual(statuses, [...bad.map(() => 401), 200], `renewal statuses for: ${bad.map((b) => b[0]).join(', ')}, valid`);
  for (const x of r.slice(0, -1)) {
    assert.equal(typeof x.response?.errorCode, 'string', 'a 401 carries an errorCode');
    assert.ok(Array.isArray(x.response?.reasons), 'and reasons');
  }
  await ctx.step(B.conversation(cid).send('authenticated'), 'Bob sends');
  await ctx.until(msgsA, (x) => x.length === 1, 'Alice receives it');
});

scenario('identity verification required: tokenless and invalid sessions fail through onError; JWTs and signatures work', server, async (ctx) => {
  const { alice, bob, cid } = await setup(ctx);
  await ctx.server.appSet({ 'identity-verification': 'required' });

  // 1. No token at all (boken mode, no signature): the boken request is refused.
  const mallory = uid('mallory');
  const M = ctx.session(mallory, 'none');
  const mSub = ctx.track(M.conversation(cid).subscribeMessages());
  const e1 = await errorOf(ctx, M, 15000, 'tokenless session');
  assert.match(e1.message, /authenticate|signature/i, `the error explains the failure: ${e1.message}`);
  await waitFor(() => mSub.state.type === 'error', 3000, 'its subscriptions end in the error state', () => mSub.state.type);

  // 2. A boken with a wrong signature.
  const eve = uid('eve');
  const E = ctx.session(eve, { signature: userSignature(ctx.server.key, alice) });
  ctx.track(E.conversation(cid).subscribe());
  const e2 = await errorOf(ctx, E, 15000, 'session with a signature for another user');
  assert.match(e2.message, /signature|authenticate/i);

  // 3. setToken with a badly signed JWT and no onNeedToken.
  const trudy = uid('trudy');
  const T = ctx.session(trudy, { token: ctx.server.jwt(trudy, {}, 'sk_wrong_key_wrong_key_wrong_key_00') });
  ctx.track(T.conversation(cid).subscribe());
  const e3 = await errorOf(ctx, T, 15000, 'session with an invalid JWT');
  assert.match(e3.message, /authenticate|token/i);
  assert.equal(renewals(trudy, ctx.started)[0]?.status, 401, 'the invalid JWT was refused with 401');

  // 4. An expired JWT and no onNeedToken.
  const oscar = uid('oscar');
  const now = Math.floor(Date.now() / 1000);
  const O = ctx.session(oscar, { token: ctx.server.jwt(oscar, { iat: now - 7200, exp: now - 3600 }) });
  ctx.track(O.conversation(cid).subscribe());
  await errorOf(ctx, O, 15000, 'session with an expired JWT');

  // None of them got any data.
  for (const u of [mallory, eve, trudy, oscar]) {
    const ok = exchanges(u, ctx.started, (x) => x.path !== '/session/renew' && x.path !== '/ping' && x.status === 200 && x.method === 'GET');
    assert.deepEqual(ok, [], `${u} read nothing`);
  }

  // 5. A valid JWT (from the CLI) and a valid legacy signature still work.
  const A = ctx.session(alice, { token: await ctx.server.userToken(alice, '24h') });
  const B = ctx.session(bob, { signature: userSignature(ctx.server.key, bob) });
  let failed = null;
  A.onError((e) => (failed = e));
  B.onError((e) => (failed = e));
  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => Array.isArray(s), 'Alice (JWT) connects', 15000);
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob (signature) connects', 15000);
  await ctx.step(B.conversation(cid).send('verified'), 'Bob sends');
  await ctx.until(msgsA, (s) => s.length === 1, 'Alice receives it');
  assert.equal(failed, null, 'no onError for valid credentials');
}, { timeout: 90000 });
