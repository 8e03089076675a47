// Unread counts and read state: new messages, markAsRead, markAsUnread,
// everyoneReadUntil, per viewer.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, rejects } from '../lib/harness.js';

const server = serverForFile();

scenario('unread counts follow new messages, markAsRead and markAsUnread, per viewer', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const carol = uid('carol');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob, carol]);
  await ctx.server.createConversation(cid, [alice, bob]);
  const A = ctx.session(alice);
  const B = ctx.session(bob);
  const C = ctx.session(carol);

  const convA = ctx.track(A.conversation(cid).subscribe());
  const convB = ctx.track(B.conversation(cid).subscribe());
  const listB = ctx.track(B.subscribeConversations());
  const start = await ctx.until(convB, (s) => s !== null, 'Bob subscribes to the conversation');
  assert.equal(start.latestSnapshot.unreadMessageCount, 0);
  assert.equal(start.latestSnapshot.isUnread, false);
  await ctx.until(convA, (s) => s !== null, 'Alice subscribes to the conversation');
  await ctx.until(listB, (s) => s?.length === 1, "Bob's list has the conversation");

  await ctx.step(A.conversation(cid).send('one'), 'Alice sends one');
  const m2 = await ctx.step(A.conversation(cid).send('two'), 'Alice sends two');
  await ctx.until(convB, (s) => s?.unreadMessageCount === 2 && s?.isUnread === true, 'Bob: 2 unread');
  await ctx.until(listB, (s) => s?.[0]?.unreadMessageCount === 2 && s[0].isUnread, "Bob's list: 2 unread");
  await ctx.until(convA, (s) => s?.lastMessage?.id === m2.id, 'Alice sees her own last message');
  assert.equal(convA.state.latestSnapshot.unreadMessageCount, 0, 'own messages are not unread');
  assert.equal(convA.state.latestSnapshot.isUnread, false);
  const lastAt = convB.state.latestSnapshot.lastMessage?.createdAt ?? 0;

  await ctx.step(B.conversation(cid).markAsRead(), 'Bob: markAsRead');
  const read = await ctx.until(convB, (s) => s?.unreadMessageCount === 0 && s?.isUnread === false, 'Bob: 0 unread after markAsRead');
  assert.ok(read.latestSnapshot.readUntil >= lastAt, `readUntil (${read.latestSnapshot.readUntil}) covers the last message (${lastAt})`);
  await ctx.until(listB, (s) => s?.[0]?.unreadMessageCount === 0, "Bob's list: 0 unread");
  // Once Alice has read too, everyone has: both see everyoneReadUntil reach the last message.
  await ctx.step(A.conversation(cid).markAsRead(), 'Alice: markAsRead');
  await ctx.until(convA, (s) => s?.readUntil >= lastAt, "Alice's readUntil covers the last message");
  await ctx.until(convA, (s) => s?.everyoneReadUntil >= lastAt, "Alice's everyoneReadUntil reaches the last message");
  await ctx.until(convB, (s) => s?.everyoneReadUntil >= lastAt, "Bob's everyoneReadUntil reaches the last message (pushed to him)");

  await ctx.step(B.conversation(cid).markAsUnread(), 'Bob: markAsUnread');
  const unread = await ctx.until(convB, (s) => s?.isUnread === true, 'Bob: isUnread after markAsUnread');
  assert.equal(unread.latestSnapshot.unreadMessageCount, 0, 'markAsUnread does not invent unread messages');
  assert.equal(convA.state.latestSnapshot.isUnread, false, "Bob's markAsUnread does not touch Alice's view");

  await ctx.step(A.conversation(cid).send('three'), 'Alice sends three');
  await ctx.until(convB, (s) => s?.unreadMessageCount === 1 && s?.isUnread === true, 'Bob: 1 unread');

  await ctx.step(B.conversation(cid).markAsRead(), 'Bob: markAsRead again');
  await ctx.until(convB, (s) => s?.unreadMessageCount === 0 && s?.isUnread === false, 'Bob: 0 unread and not marked unread');

  await ctx.server.say(cid, alice, 'four, over REST');
  await ctx.until(convB, (s) => s?.unreadMessageCount === 1, 'Bob: 1 unread after a REST message');
  // The same count is visible over REST.
  const rest = await ctx.server.restOk('GET', `/users/${bob}/conversations`);
  const row = (rest.data ?? rest).find((r) => (r.id ?? r.conversation?.id) === cid);
  assert.equal(row?.unreadMessageCount, 1, `REST agrees on the unread count: ${JSON.stringify(row)}`);

  // Only participants may mark read/unread.
  await rejects(C.conversation(cid).markAsRead(), /403|404/, 'Carol marks a conversation she is not in as read');
  await rejects(C.conversation(cid).markAsUnread(), /403|404/, 'Carol marks a conversation she is not in as unread');
});
