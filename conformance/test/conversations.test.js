// ConversationRef (get, set, createIfNotExists, subscribe), the conversation
// list (subscribeConversations) live between users, and ParticipantRef /
// subscribeParticipants.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, rejects, summarize } from '../lib/harness.js';

const server = serverForFile();

const CONVERSATION_KEYS = [
  'access',
  'createdAt',
  'custom',
  'everyoneReadUntil',
  'id',
  'isUnread',
  'joinedAt',
  'lastMessage',
  'notify',
  'photoUrl',
  'readUntil',
  'subject',
  'unreadMessageCount',
  'welcomeMessages',
];

scenario('ConversationRef: createIfNotExists, get, set and subscribe between two users; visible over REST', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  const A = ctx.session(alice);
  const B = ctx.session(bob);
  const convA = A.conversation(cid);
  const convB = B.conversation(cid);

  assert.equal(await ctx.step(convB.get(), 'Bob: get before the conversation exists'), null);

  const before = Date.now();
  await ctx.step(
    convA.createIfNotExists({
      subject: 'Power tools',
      custom: { category: 'tools' },
      welcomeMessages: ['Welcome!'],
      photoUrl: 'https://example.com/c.png',
    }),
    'Alice: createIfNotExists',
  );
  const snap = await ctx.step(convA.get(), 'Alice: get after create');
  assert.ok(snap, `Alice is a participant of the conversation she created (get() returned ${snap})`);
  for (const key of CONVERSATION_KEYS) assert.ok(key in snap, `ConversationSnapshot has ${key}`);
  assert.equal(snap.id, cid);
  assert.equal(snap.subject, 'Power tools');
  assert.deepEqual({ ...snap.custom }, { category: 'tools' });
  assert.deepEqual([...snap.welcomeMessages], ['Welcome!']);
  assert.equal(snap.photoUrl, 'https://example.com/c.png');
  assert.equal(snap.access, 'ReadWrite');
  assert.equal(snap.notify, true);
  assert.equal(snap.lastMessage, null);
  assert.equal(snap.unreadMessageCount, 0);
  assert.equal(snap.isUnread, false);
  assert.ok(snap.createdAt >= before - 5000 && snap.createdAt <= Date.now() + 5000, `createdAt is ms (${snap.createdAt})`);
  assert.ok(snap.joinedAt >= snap.createdAt, 'joinedAt >= createdAt');

  // Created from a client, visible over REST.
  const rest = await ctx.server.restOk('GET', `/conversations/${cid}`);
  assert.equal(rest.subject, 'Power tools');
  assert.ok(alice in rest.participants, 'Alice is a participant over REST');

  // Bob is not a participant: get() and subscribe() give null.
  assert.equal(await ctx.step(convB.get(), 'Bob: get as a non-participant'), null);
  const subB = ctx.track(convB.subscribe());
  await ctx.until(subB, (s) => s === null, 'Bob: subscribe as a non-participant is null');

  // createIfNotExists again is a success and changes nothing.
  await ctx.step(convA.createIfNotExists({ subject: 'Other' }), 'Alice: createIfNotExists again');
  assert.equal((await ctx.step(convA.get(), 'Alice: get'))?.subject, 'Power tools');

  // Alice adds Bob: Bob's subscription turns non-null (side.created).
  await ctx.step(convA.participant(bob).createIfNotExists({ access: 'Read' }), 'Alice: participant(bob).createIfNotExists');
  const joined = await ctx.until(subB, (s) => s !== null, 'Bob sees the conversation after being added');
  assert.equal(joined.latestSnapshot.access, 'Read');
  assert.equal(joined.latestSnapshot.subject, 'Power tools');

  // set: conversation attributes reach Bob (conversation.edited); custom is a patch.
  await ctx.step(convA.set({ subject: 'Hand tools', custom: { category: null, size: 'L' } }), 'Alice: set subject/custom');
  const edited = await ctx.until(subB, (s) => s?.subject === 'Hand tools', 'Bob sees the new subject');
  assert.deepEqual({ ...edited.latestSnapshot.custom }, { size: 'L' }, 'custom patch: category removed, size added');
  // The client rebuilds a snapshot from a fixed field list after a diff, so a
  // server that sends other fields than the documented ones gives snapshots
  // whose shape changes with the first update.
  assert.deepEqual(Object.keys(edited.latestSnapshot).sort(), Object.keys(joined.latestSnapshot).sort(), 'the snapshot keeps its shape across updates');

  await ctx.step(convA.set({ photoUrl: null, welcomeMessages: null }), 'Alice: clear photoUrl and welcomeMessages');
  const cleared = await ctx.until(subB, (s) => s?.photoUrl === null, 'Bob sees photoUrl cleared');
  assert.deepEqual([...cleared.latestSnapshot.welcomeMessages], []);

  // notify is per participant: Alice's change does not reach Bob's view.
  const subA = ctx.track(convA.subscribe());
  await ctx.until(subA, (s) => s !== null, 'Alice subscribes');
  await ctx.step(convA.set({ notify: false }), 'Alice: set notify false');
  await ctx.until(subA, (s) => s?.notify === false, "Alice's view shows notify false");
  assert.equal(subB.state.latestSnapshot.notify, true, "Bob's notify is unaffected");

  // set() on a conversation that does not exist creates it and joins.
  const cid2 = uid('conv');
  await ctx.step(B.conversation(cid2).set({ subject: 'Made by set' }), 'Bob: set on a new conversation');
  const made = await ctx.step(B.conversation(cid2).get(), 'Bob: get new conversation');
  assert.equal(made?.subject, 'Made by set');
});

scenario('subscribeConversations: joins, new messages and leaving update the other user live', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  await ctx.server.createUsers([alice, bob]);
  const A = ctx.session(alice);
  const B = ctx.session(bob);

  const list = ctx.track(B.subscribeConversations());
  const connected = await ctx.connected(list, "Bob's conversation list");
  assert.equal(connected.type, 'active');
  const empty = await ctx.until(list, (s) => Array.isArray(s), "Bob's conversation list is active");
  assert.deepEqual(empty.latestSnapshot, []);
  assert.equal(empty.loadedAll, true);

  const c1 = uid('c1');
  const c2 = uid('c2');
  await ctx.step(A.conversation(c1).createIfNotExists({ subject: 'First' }), 'Alice creates c1');
  await ctx.step(A.conversation(c1).participant(bob).createIfNotExists(), 'Alice adds Bob to c1');
  await ctx.until(list, (s) => s.length === 1 && s[0].id === c1, 'c1 appears in Bob\'s list');

  await ctx.step(A.conversation(c2).createIfNotExists({ subject: 'Second' }), 'Alice creates c2');
  await ctx.step(A.conversation(c2).participant(bob).createIfNotExists(), 'Alice adds Bob to c2');
  await ctx.until(list, (s) => s.map((c) => c.id).join() === [c2, c1].join(), 'c2 is listed first (most recent activity)');

  // A message in the older conversation moves it to the top, with lastMessage.
  await ctx.step(A.conversation(c1).send('Bump'), 'Alice sends in c1');
  const bumped = await ctx.until(
    list,
    (s) => s[0]?.id === c1 && s[0]?.lastMessage?.plaintext === 'Bump',
    'c1 moves to the top of Bob\'s list with lastMessage "Bump"',
  );
  assert.deepEqual(bumped.latestSnapshot.map((c) => c.id), [c1, c2]);
  assert.equal(bumped.latestSnapshot[0].lastMessage.sender?.id, alice);
  assert.equal(bumped.latestSnapshot[0].unreadMessageCount, 1);

  // A conversation edit reaches the list.
  await ctx.step(A.conversation(c2).set({ subject: 'Second (renamed)' }), 'Alice renames c2');
  await ctx.until(list, (s) => s.find((c) => c.id === c2)?.subject === 'Second (renamed)', 'rename shows in Bob\'s list');

  // Bob is removed from c2 over REST: it leaves his list (side.deleted).
  await ctx.server.removeParticipant(c2, bob);
  await ctx.until(list, (s) => s.length === 1 && s[0].id === c1, 'c2 leaves Bob\'s list after he is removed', 10000);

  // A filtered list only holds matching conversations.
  await ctx.step(A.conversation(c1).set({ custom: { kind: 'support' } }), 'Alice tags c1');
  const filtered = ctx.track(B.subscribeConversations({ filter: { custom: { kind: ['==', 'support'] } } }));
  await ctx.until(filtered, (s) => s.length === 1 && s[0].id === c1, 'filtered list holds c1 only');
  const unfiltered = ctx.track(B.subscribeConversations({ filter: { custom: { kind: '!exists' } } }));
  await ctx.until(unfiltered, (s) => Array.isArray(s) && s.length === 0, 'the complementary filter holds nothing (c2 was left)');

  // unsubscribe ends the subscription: terminated resolves.
  list.unsubscribe();
  const ended = await ctx.step(list.terminated, 'terminated after unsubscribe');
  assert.equal(ended.type, 'unsubscribed');
  assert.equal(list.state.type, 'unsubscribed');
});

scenario('ParticipantRef: get, set, edit, createIfNotExists, delete, subscribe; subscribeParticipants', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const carol = uid('carol');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob, carol]);
  await ctx.server.createConversation(cid, [alice]);
  const A = ctx.session(alice);
  const B = ctx.session(bob);
  const conv = A.conversation(cid);

  const people = ctx.track(conv.subscribeParticipants());
  const initial = await ctx.until(people, (s) => Array.isArray(s) && s.length === 1, 'Alice sees herself as the only participant');
  assert.equal(initial.latestSnapshot[0].user.id, alice);
  assert.equal(initial.latestSnapshot[0].user.name, `User ${alice}`);
  assert.equal(initial.loadedAll, true);

  const bobRef = conv.participant(bob);
  const bobSub = ctx.track(bobRef.subscribe());
  await ctx.until(bobSub, (s) => s === null, 'participant(bob).subscribe is null before he joins');
  assert.equal(await ctx.step(bobRef.get(), 'participant(bob).get before he joins'), null);

  // Bob watches the conversation from his side.
  const bobConv = ctx.track(B.conversation(cid).subscribe());
  await ctx.until(bobConv, (s) => s === null, 'Bob is not in the conversation yet');

  await ctx.step(bobRef.createIfNotExists({ access: 'Read', notify: false }), 'participant(bob).createIfNotExists');
  const withBob = await ctx.until(people, (s) => s?.length === 2, 'Bob appears in the participant list');
  assert.equal(withBob.latestSnapshot[0].user.id, bob, 'the newest participant is first');
  const bobSnap = await ctx.until(bobSub, (s) => s !== null, 'participant(bob).subscribe sees Bob');
  assert.equal(bobSnap.latestSnapshot.access, 'Read');
  assert.equal(bobSnap.latestSnapshot.notify, false);
  assert.equal(bobSnap.latestSnapshot.user.id, bob);
  await ctx.until(bobConv, (s) => s?.access === 'Read', 'Bob sees the conversation with Read access');

  // createIfNotExists on an existing participant changes nothing (409 tolerated).
  await ctx.step(bobRef.createIfNotExists({ access: 'ReadWrite' }), 'participant(bob).createIfNotExists again');
  assert.equal((await ctx.step(bobRef.get(), 'participant(bob).get'))?.access, 'Read');

  // set updates (undefined fields unchanged); the change reaches Bob's conversation view.
  await ctx.step(bobRef.set({ access: 'ReadWrite' }), 'participant(bob).set access');
  await ctx.until(bobSub, (s) => s?.access === 'ReadWrite', 'access is ReadWrite');
  assert.equal(bobSub.state.latestSnapshot.notify, false, 'set leaves notify unchanged');
  await ctx.until(bobConv, (s) => s?.access === 'ReadWrite', "Bob's conversation view shows ReadWrite (participant.edited for me)");

  // edit (PATCH) updates an existing participant...
  await ctx.step(bobRef.edit({ notify: 'MentionsOnly' }), 'participant(bob).edit notify');
  await ctx.until(bobSub, (s) => s?.notify === 'MentionsOnly', 'notify is MentionsOnly');
  await ctx.until(bobConv, (s) => s?.notify === 'MentionsOnly', "Bob's conversation view shows MentionsOnly");
  await ctx.until(people, (s) => s?.find((p) => p.user.id === bob)?.notify === 'MentionsOnly', 'the list shows the edit');
  // ...and fails for someone who is not a participant.
  await rejects(conv.participant(carol).edit({ notify: true }), /404/, 'edit of a non-participant');

  // set adds a missing participant.
  await ctx.step(conv.participant(carol).set({}), 'participant(carol).set adds Carol');
  await ctx.until(people, (s) => s?.length === 3 && s[0].user.id === carol, 'Carol appears first in the list');

  // delete removes; a second delete is a success (404 tolerated).
  await ctx.step(bobRef.delete(), 'participant(bob).delete');
  await ctx.until(people, (s) => s?.length === 2 && !s.some((p) => p.user.id === bob), 'Bob leaves the list');
  await ctx.until(bobSub, (s) => s === null, 'participant(bob).subscribe turns null');
  await ctx.until(bobConv, (s) => s === null, "Bob's conversation view turns null (side.deleted)");
  assert.equal(await ctx.step(bobRef.get(), 'participant(bob).get after delete'), null);
  await ctx.step(bobRef.delete(), 'participant(bob).delete again');

  // Bob is out: reading another participant is refused as NOT_A_PARTICIPANT.
  await rejects(B.conversation(cid).participant(alice).get(), /NOT_A_PARTICIPANT/, 'Bob reads a participant of a conversation he left');
  assert.equal(await ctx.step(B.conversation(cid).participant(bob).get(), 'Bob reads himself'), null);

  // Removal over REST is live too.
  await ctx.server.removeParticipant(cid, carol);
  await ctx.until(people, (s) => s?.length === 1, 'Carol removed over REST leaves the list', 10000);
  assert.deepEqual(summarize(people.state.latestSnapshot).map((p) => p.user), [alice]);
});
