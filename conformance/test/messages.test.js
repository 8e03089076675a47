// Messages between two users: send (markup, text params, content blocks,
// replies, locations), REST sends appearing live, MessageRef get/edit/delete
// with lastMessage after deleting the newest message, and reactions.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, rejects } from '../lib/harness.js';

const server = serverForFile();

async function pair(ctx) {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob], { subject: 'Chat' });
  return { alice, bob, cid, A: ctx.session(alice), B: ctx.session(bob) };
}

function findNode(children, type) {
  for (const n of children ?? []) {
    if (n && typeof n === 'object') {
      if (n.type === type) return n;
      const inner = findNode(n.children, type);
      if (inner) return inner;
    }
  }
  return null;
}

scenario('send: Bob sees Alice\'s messages live (markup, params, content, reply, location, REST)', server, async (ctx) => {
  const { alice, bob, cid, A, B } = await pair(ctx);
  const carol = uid('carol');
  await ctx.server.createUser(carol);
  const C = ctx.session(carol);

  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  const first = await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes to messages');
  assert.deepEqual(first.latestSnapshot, []);
  assert.equal(first.loadedAll, true);

  // 1. markup string: parsed by the client; the server stores and emits camelCase nodes.
  const ref1 = await ctx.step(A.conversation(cid).send('Hello *world*, see example.com'), 'Alice sends markup');
  assert.equal(typeof ref1.id, 'string');
  assert.equal(ref1.conversationId, cid);
  const got1 = await ctx.until(msgsB, (s) => s.length === 1, 'Bob receives message 1 (message.created)');
  const m1 = got1.latestSnapshot[0];
  assert.equal(m1.id, ref1.id);
  assert.equal(m1.type, 'UserMessage');
  assert.equal(m1.sender?.id, alice);
  assert.equal(m1.sender?.name, `User ${alice}`);
  assert.equal(m1.plaintext, 'Hello world, see example.com');
  assert.equal(m1.editedAt, null);
  assert.equal(m1.referencedMessage, null);
  assert.deepEqual([...m1.reactions], []);
  assert.equal(m1.content.length, 1);
  assert.equal(m1.content[0].type, 'text');
  assert.ok(!m1.content[0].children.includes(null), `no node was dropped as unknown: ${JSON.stringify(m1.content)}`);
  assert.deepEqual(findNode(m1.content[0].children, 'bold')?.children, ['world']);
  const link = findNode(m1.content[0].children, 'autoLink');
  assert.ok(link, `an autoLink node (camelCase) is emitted: ${JSON.stringify(m1.content)}`);
  assert.equal(link.text, 'example.com');
  assert.match(link.url, /^https?:\/\/example\.com\/?$/);

  // 2. text params with custom.
  const ref2 = await ctx.step(A.conversation(cid).send({ text: 'With custom', custom: { priority: 'HIGH' } }), 'Alice sends text+custom');
  const got2 = await ctx.until(msgsB, (s) => s.length === 2, 'Bob receives message 2');
  assert.equal(got2.latestSnapshot[0].id, ref2.id, 'the newest message is first');
  assert.deepEqual({ ...got2.latestSnapshot[0].custom }, { priority: 'HIGH' });

  // 3. hand-built content block, and a reply from Bob referencing message 1.
  await ctx.step(
    A.conversation(cid).send({ content: [{ type: 'text', children: ['Built ', { type: 'bold', children: ['by hand'] }, ' ', { type: 'bulletList', children: [{ type: 'bulletPoint', children: ['one'] }] }] }] }),
    'Alice sends a content block',
  );
  const got3 = await ctx.until(msgsB, (s) => s.length === 3, 'Bob receives message 3');
  assert.equal(findNode(got3.latestSnapshot[0].content[0].children, 'bulletList')?.type, 'bulletList');

  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => s?.length === 3, 'Alice subscribes to messages');
  const reply = await ctx.step(B.conversation(cid).send({ text: 'Agreed', referencedMessage: ref1 }), 'Bob replies to message 1');
  const got4 = await ctx.until(msgsA, (s) => s.length === 4 && s[0].id === reply.id, 'Alice receives the reply');
  assert.equal(got4.latestSnapshot[0].referencedMessage?.id, ref1.id);
  assert.equal(got4.latestSnapshot[0].referencedMessage?.plaintext, 'Hello world, see example.com');
  assert.equal(got4.latestSnapshot[0].sender?.id, bob);

  // 4. location block.
  await ctx.step(A.conversation(cid).send({ content: [{ type: 'location', latitude: 51.48, longitude: -3.17 }] }), 'Alice sends a location');
  const got5 = await ctx.until(msgsB, (s) => s.length === 5, 'Bob receives the location');
  assert.deepEqual({ ...got5.latestSnapshot[0].content[0] }, { type: 'location', latitude: 51.48, longitude: -3.17 });

  // 5. a message sent over REST appears live for both.
  const restMsg = await ctx.server.say(cid, alice, 'From the backend');
  const got6 = await ctx.until(msgsB, (s) => s.length === 6, 'Bob receives the REST message live');
  assert.equal(got6.latestSnapshot[0].id, restMsg.id);
  assert.equal(got6.latestSnapshot[0].plaintext, 'From the backend');
  assert.equal(got6.latestSnapshot[0].origin, 'rest');
  await ctx.until(msgsA, (s) => s.length === 6 && s[0].id === restMsg.id, 'Alice receives the REST message live');

  // MessageRef.get.
  const fetched = await ctx.step(B.conversation(cid).message(ref2.id).get(), 'Bob: message(2).get');
  assert.equal(fetched?.id, ref2.id);
  assert.equal(fetched?.plaintext, 'With custom');
  assert.equal(fetched?.sender?.id, alice);
  assert.equal(await ctx.step(B.conversation(cid).message('no-such-message').get(), 'get of a missing message'), null);

  // translate: no translation provider ships by default, so it must fail
  // with a clear error (a status the client understands, not a crash).
  await rejects(
    B.conversation(cid).message(ref2.id).translate('fr'),
    /^Translate message .* failed, got status (400|402|403|404) [A-Z_]+, reasons: .+/,
    'translate without a provider',
  );

  // Order: newest first, createdAt non-increasing.
  const snap = msgsB.state.latestSnapshot;
  for (let i = 1; i < snap.length; i++) assert.ok(snap[i - 1].createdAt >= snap[i].createdAt, 'messages are newest first');
  assert.equal(new Set(snap.map((m) => m.id)).size, snap.length, 'no duplicates');

  // A non-participant sees null and cannot send.
  const msgsC = ctx.track(C.conversation(cid).subscribeMessages());
  await ctx.until(msgsC, (s) => s === null, 'Carol (not a participant) gets a null message list');
  assert.equal(await ctx.step(C.conversation(cid).message(ref1.id).get(), 'Carol: message get'), null);
  await rejects(C.conversation(cid).send('let me in'), /403|404/, 'Carol sends to a conversation she is not in');
});

scenario('MessageRef edit and delete propagate, including lastMessage after deleting the newest', server, async (ctx) => {
  const { alice, cid, A, B } = await pair(ctx);
  const m1 = await ctx.step(A.conversation(cid).send('one'), 'send one');
  const m2 = await ctx.step(A.conversation(cid).send('two'), 'send two');
  const m3 = await ctx.step(A.conversation(cid).send('three'), 'send three');

  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsB, (s) => s?.length === 3, 'Bob sees 3 messages');
  const m2Created = () => msgsB.state.latestSnapshot.find((m) => m.id === m2.id)?.createdAt;
  const convB = ctx.track(B.conversation(cid).subscribe()); // lastMessage from a 1-message window
  await ctx.until(convB, (s) => s?.lastMessage?.id === m3.id, "Bob's conversation shows lastMessage three");
  const listB = ctx.track(B.subscribeConversations());
  await ctx.until(listB, (s) => s?.[0]?.lastMessage?.id === m3.id, "Bob's list shows lastMessage three");

  // Edit with markup: content, plaintext and editedAt change for Bob.
  await ctx.step(A.conversation(cid).message(m2.id).edit('two *edited*'), 'Alice edits two');
  const edited = await ctx.until(msgsB, (s) => s.find((m) => m.id === m2.id)?.plaintext === 'two edited', 'Bob sees the edit');
  const e2 = edited.latestSnapshot.find((m) => m.id === m2.id);
  assert.equal(typeof e2.editedAt, 'number', 'editedAt is set');
  assert.equal(e2.content[0].children.find((n) => n?.type === 'bold')?.children?.[0], 'edited');

  // Edit custom only (a patch).
  await ctx.step(A.conversation(cid).message(m2.id).edit({ custom: { a: '1', b: '2' } }), 'Alice sets custom');
  await ctx.step(A.conversation(cid).message(m2.id).edit({ custom: { b: null } }), 'Alice removes custom.b');
  await ctx.until(msgsB, (s) => JSON.stringify(s.find((m) => m.id === m2.id)?.custom) === '{"a":"1"}', 'Bob sees custom {a:1}');
  assert.equal(msgsB.state.latestSnapshot.find((m) => m.id === m2.id).plaintext, 'two edited', 'a custom edit keeps content');

  // Editing the newest message updates lastMessage too.
  await ctx.step(A.conversation(cid).message(m3.id).edit('three!'), 'Alice edits three');
  await ctx.until(convB, (s) => s?.lastMessage?.plaintext === 'three!', "Bob's lastMessage shows the edit");

  // Bob may not edit or delete Alice's message.
  await rejects(B.conversation(cid).message(m1.id).edit('hacked'), /403/, "Bob edits Alice's message");
  await rejects(B.conversation(cid).message(m1.id).delete(), /403/, "Bob deletes Alice's message");

  // Deleting the newest message: it leaves the list, and lastMessage falls back to two.
  await ctx.step(A.conversation(cid).message(m3.id).delete(), 'Alice deletes three');
  await ctx.until(msgsB, (s) => s.length === 2 && s[0].id === m2.id, 'Bob: three is gone from messages');
  await ctx.until(convB, (s) => s?.lastMessage?.id === m2.id, "Bob's conversation lastMessage is two (newLastMessage)");
  // Note: an already-open subscribeConversations window keeps showing the old
  // state here, whatever the server sends: the client's window wrapper drops
  // a conversation whose activity time moves back behind the window edge and
  // does not store the result (client quirk, @talkjs/core 1.12.0). A fresh
  // list subscription shows what the server now holds.
  const listB2 = ctx.track(B.subscribeConversations());
  const fresh = await ctx.until(listB2, (s) => s?.length === 1, 'a fresh conversation list for Bob');
  assert.equal(fresh.latestSnapshot[0].lastMessage?.id, m2.id, 'the list GET reflects the deletion (lastMessage two)');
  assert.equal(fresh.latestSnapshot[0].lastMessageAt, m2Created(), 'lastMessageAt went back to message two');
  assert.equal(await ctx.step(B.conversation(cid).message(m3.id).get(), 'get deleted message'), null);
  await ctx.step(A.conversation(cid).message(m3.id).delete(), 'deleting again is a success');

  // A REST delete propagates as well.
  await ctx.server.restOk('DELETE', `/conversations/${cid}/messages/${m2.id}`);
  await ctx.until(convB, (s) => s?.lastMessage?.id === m1.id, "Bob's lastMessage is one after a REST delete");
  listB2.unsubscribe();
  await ctx.until(msgsB, (s) => s.length === 1, 'Bob: one message left');

  await ctx.step(A.conversation(cid).message(m1.id).delete(), 'Alice deletes one');
  await ctx.until(convB, (s) => s !== null && s.lastMessage === null, "Bob's lastMessage is null once all are deleted");
  await ctx.until(msgsB, (s) => s.length === 0, 'Bob: no messages left');
  assert.equal(alice.length > 0, true);
});

scenario('reactions: add, remove and subscribe, with per-viewer currentUserReacted', server, async (ctx) => {
  const { alice, bob, cid, A, B } = await pair(ctx);
  const ref = await ctx.step(A.conversation(cid).send('React to me'), 'Alice sends');
  const msgsA = ctx.track(A.conversation(cid).subscribeMessages());
  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsA, (s) => s?.length === 1, 'Alice sees the message');
  await ctx.until(msgsB, (s) => s?.length === 1, 'Bob sees the message');

  const thumbsA = A.conversation(cid).message(ref.id).reactions('👍');
  const thumbsB = B.conversation(cid).message(ref.id).reactions('👍');
  const who = ctx.track(thumbsA.subscribe());
  const none = await ctx.until(who, (s) => Array.isArray(s), 'Alice subscribes to 👍 reactions');
  assert.deepEqual(none.latestSnapshot, []);
  assert.equal(none.loadedAll, true);

  await ctx.step(thumbsB.add(), 'Bob adds 👍');
  await ctx.until(msgsA, (s) => s[0].reactions.length === 1, 'Alice sees a reaction summary');
  assert.deepEqual({ ...msgsA.state.latestSnapshot[0].reactions[0] }, { emoji: '👍', count: 1, currentUserReacted: false });
  await ctx.until(msgsB, (s) => s[0].reactions[0]?.currentUserReacted === true, 'Bob sees his own reaction');
  assert.equal(msgsB.state.latestSnapshot[0].reactions[0].count, 1);
  const list1 = await ctx.until(who, (s) => s.length === 1, 'Alice sees Bob in the 👍 list (reaction.added)');
  assert.equal(list1.latestSnapshot[0].user.id, bob);
  assert.equal(typeof list1.latestSnapshot[0].createdAt, 'number');

  await ctx.step(thumbsA.add(), 'Alice adds 👍');
  await ctx.until(msgsA, (s) => s[0].reactions[0]?.count === 2 && s[0].reactions[0]?.currentUserReacted === true, 'Alice: count 2, reacted');
  await ctx.until(msgsB, (s) => s[0].reactions[0]?.count === 2 && s[0].reactions[0]?.currentUserReacted === true, 'Bob: count 2, still reacted');
  await ctx.until(who, (s) => s.length === 2, 'the 👍 list has two users');
  assert.deepEqual(who.state.latestSnapshot.map((r) => r.user.id), [bob, alice], 'oldest reaction first');

  // A second emoji sorts after the first (first-added order); a repeat add is a no-op.
  await ctx.step(A.conversation(cid).message(ref.id).reactions('🎉').add(), 'Alice adds 🎉');
  await ctx.step(thumbsB.add(), 'Bob adds 👍 again');
  await ctx.until(msgsB, (s) => s[0].reactions.length === 2, 'Bob sees two emoji');
  assert.deepEqual(msgsB.state.latestSnapshot[0].reactions.map((r) => [r.emoji, r.count, r.currentUserReacted]), [
    ['👍', 2, true],
    ['🎉', 1, false],
  ]);

  // Remove.
  await ctx.step(thumbsB.remove(), 'Bob removes 👍');
  await ctx.until(msgsB, (s) => s[0].reactions[0]?.count === 1 && s[0].reactions[0]?.currentUserReacted === false, 'Bob: 👍 count 1, not reacted');
  await ctx.until(msgsA, (s) => s[0].reactions[0]?.count === 1 && s[0].reactions[0]?.currentUserReacted === true, 'Alice: 👍 count 1, reacted');
  await ctx.until(who, (s) => s.length === 1 && s[0].user.id === alice, 'Bob leaves the 👍 list (reaction.removed)');
  await ctx.step(thumbsB.remove(), 'removing again is a success');

  const firstFew = await ctx.step(thumbsB.getFirstReactions(), 'Bob: getFirstReactions');
  assert.deepEqual(firstFew?.map((r) => r.user.id), [alice]);

  // Removing the last 🎉 drops that emoji from the summary.
  await ctx.step(A.conversation(cid).message(ref.id).reactions('🎉').remove(), 'Alice removes 🎉');
  await ctx.until(msgsB, (s) => s[0].reactions.length === 1 && s[0].reactions[0].emoji === '👍', 'Bob: only 👍 remains');

  // Custom emoji.
  await ctx.step(B.conversation(cid).message(ref.id).reactions(':party_parrot:').add(), 'Bob adds a custom emoji');
  await ctx.until(msgsA, (s) => s[0].reactions.some((r) => r.emoji === ':party_parrot:' && r.count === 1), 'Alice sees the custom emoji');
});
