// UserRef: get, set, createIfNotExists, subscribe, subscribeOnline.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, rejects, framesReceived } from '../lib/harness.js';

const server = serverForFile();

scenario('UserRef: createIfNotExists, get, set and subscribe, seen live by another user', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const A = ctx.session(alice);
  const B = ctx.session(bob);

  // Bob watches Alice before she exists: the snapshot is null.
  const watch = ctx.track(B.user(alice).subscribe());
  await ctx.until(watch, (s) => s === null, 'Bob sees user Alice as null before she exists');

  await ctx.step(
    A.currentUser.createIfNotExists({
      name: 'Alice',
      custom: { team: 'red' },
      photoUrl: 'https://example.com/a.png',
      welcomeMessage: 'Hi there',
      locale: 'en-US',
      email: 'alice@example.com',
    }),
    'Alice: currentUser.createIfNotExists',
  );

  const created = await ctx.until(watch, (s) => s !== null, 'Bob sees Alice created (user.created)');
  assert.deepEqual(
    { ...created.latestSnapshot },
    {
      id: alice,
      name: 'Alice',
      custom: { team: 'red' },
      locale: 'en-US',
      photoUrl: 'https://example.com/a.png',
      role: 'default',
      welcomeMessage: 'Hi there',
    },
  );

  // A second createIfNotExists is a success (409 tolerated) and changes nothing.
  await ctx.step(A.currentUser.createIfNotExists({ name: 'Somebody else' }), 'Alice: createIfNotExists again');
  const again = await ctx.step(B.user(alice).get(), 'Bob: user(alice).get()');
  assert.equal(again?.name, 'Alice', 'createIfNotExists must not overwrite an existing user');

  // set: custom is a patch; null deletes a key.
  await ctx.step(
    A.currentUser.set({ name: 'Alice Cooper', custom: { team: null, mood: 'happy' }, welcomeMessage: null }),
    'Alice: currentUser.set',
  );
  const edited = await ctx.until(watch, (s) => s?.name === 'Alice Cooper', 'Bob sees the new name (user.edited)');
  assert.deepEqual(edited.latestSnapshot.custom, { mood: 'happy' }, 'custom is patched: team removed, mood added');
  assert.equal(edited.latestSnapshot.welcomeMessage, null);
  assert.equal(edited.latestSnapshot.photoUrl, 'https://example.com/a.png', 'fields not in the set call stay');

  // get() of a user that does not exist is null.
  assert.equal(await ctx.step(B.user(uid('nobody')).get(), 'Bob: get of a missing user'), null);

  // Private fields never reach other users.
  assert.ok(
    !framesReceived(bob, ctx.started).some((f) => f.includes('alice@example.com')),
    "Alice's email must not be sent to Bob's client",
  );

  // A user created from the client is visible over REST.
  const rest = await ctx.server.restOk('GET', `/users/${alice}`);
  assert.equal(rest.name, 'Alice Cooper');
  assert.deepEqual(rest.email, ['alice@example.com']);

  // A user created over REST shows up in a live subscription too.
  const carol = uid('carol');
  const watchCarol = ctx.track(A.user(carol).subscribe());
  await ctx.until(watchCarol, (s) => s === null, 'Alice sees Carol as null before REST creates her');
  await ctx.server.createUser(carol, { name: 'Carol' });
  await ctx.until(watchCarol, (s) => s?.name === 'Carol', 'Alice sees Carol created over REST');
});

scenario('UserRef: set creates a missing user only with a name', server, async (ctx) => {
  const dave = uid('dave');
  const erin = uid('erin');
  const D = ctx.session(dave);
  const E = ctx.session(erin);
  await rejects(D.currentUser.set({ custom: { a: 'b' } }), /400/, 'set without name on a missing user');
  await ctx.step(D.currentUser.set({ name: 'Dave', role: 'buyer' }), 'Dave: set with name creates the user');
  const seen = await ctx.step(E.user(dave).get(), 'Erin: get Dave');
  assert.equal(seen?.name, 'Dave');
  assert.equal(seen?.role, 'buyer');
});

scenario('UserRef.subscribeOnline: online while a session is connected, offline after it leaves', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  await ctx.server.createUsers([alice, bob]);
  const B = ctx.session(bob);

  const online = ctx.track(B.user(alice).subscribeOnline());
  const first = await ctx.until(online, (s) => s !== null, 'Bob gets an online snapshot for Alice');
  assert.equal(first.latestSnapshot.isConnected, false, 'Alice has no session yet');
  assert.equal(first.latestSnapshot.user.id, alice);

  // The online snapshot of a user that does not exist is null.
  const ghost = ctx.track(B.user(uid('ghost')).subscribeOnline());
  await ctx.until(ghost, (s) => s === null, 'online snapshot of a missing user is null');

  // Alice connects (any subscription opens her socket).
  const A = ctx.session(alice);
  const keepOpen = A.currentUser.subscribe();
  await ctx.connected(keepOpen, 'Alice subscribes to herself');
  await ctx.until(online, (s) => s?.isConnected === true, 'Bob sees Alice online (user.online.changed)');

  // Alice leaves: her session is destroyed and her socket closes.
  keepOpen.unsubscribe();
  A.terminate(new Error('Alice leaves'));
  await ctx.until(online, (s) => s?.isConnected === false, 'Bob sees Alice offline after her socket closed', 25000);
}, { timeout: 60000 });

scenario('a user who does not exist yet: empty conversation list, then live once created and added', server, async (ctx) => {
  const fresh = uid('fresh');
  const host = uid('host');
  await ctx.server.createUser(host);
  const F = ctx.session(fresh);
  const H = ctx.session(host);
  const list = ctx.track(F.subscribeConversations());
  const empty = await ctx.until(list, (s) => Array.isArray(s), 'the list of a user who does not exist yet');
  assert.deepEqual(empty.latestSnapshot, [], 'an empty list');
  assert.equal(await ctx.step(F.currentUser.get(), 'currentUser.get'), null, 'the user does not exist');

  await ctx.step(F.currentUser.createIfNotExists({ name: 'Fresh' }), 'createIfNotExists');
  const cid = uid('conv');
  await ctx.step(H.conversation(cid).createIfNotExists({ subject: 'Welcome' }), 'host creates a conversation');
  await ctx.step(H.conversation(cid).participant(fresh).createIfNotExists(), 'host adds the new user');
  await ctx.until(list, (s) => s.length === 1 && s[0].subject === 'Welcome', 'the conversation appears in the new user\'s list');
});
