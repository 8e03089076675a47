// Snapshot identity: a snapshot whose data did not change is the same object
// (`old === new`), nested snapshots included, so a UI can skip work with an
// identity check; and nothing is delivered for changes a subscription does
// not show.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, onlyChinwag } from '../lib/harness.js';

const server = serverForFile();
const skip = onlyChinwag('identity of unchanged snapshots is not promised by the official client');

scenario('unchanged data gives the same snapshot objects; one edit replaces only what it touched', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const carol = uid('carol');
  const c1 = uid('conv');
  const c2 = uid('conv');
  await ctx.server.createUsers([alice, bob, carol]);
  await ctx.server.createConversation(c1, [alice, bob], { subject: 'One' });
  await ctx.server.createConversation(c2, [bob, carol], { subject: 'Two' });
  for (let i = 0; i < 5; i++) await ctx.server.say(c1, i % 2 ? bob : alice, `c1 message ${i}`);
  await ctx.server.say(c2, carol, 'c2 message');

  const A = ctx.session(alice);
  const seen = { list: 0, msgs: 0, conv: 0, parts: 0 };
  const list = ctx.track(A.subscribeConversations(() => seen.list++));
  const msgs = ctx.track(A.conversation(c1).subscribeMessages(() => seen.msgs++));
  const conv = ctx.track(A.conversation(c1).subscribe(() => seen.conv++));
  const parts = ctx.track(A.conversation(c1).subscribeParticipants(() => seen.parts++));
  await ctx.until(list, (s) => s.length === 1 && s[0].lastMessage?.plaintext === 'c1 message 4', 'Alice sees her list');
  const m0 = (await ctx.until(msgs, (s) => s.length === 5, 'Alice sees 5 messages')).latestSnapshot;
  const conv0 = (await ctx.until(conv, (s) => s?.lastMessage?.plaintext === 'c1 message 4', 'Alice sees c1')).latestSnapshot;
  const parts0 = (await ctx.until(parts, (s) => s?.length === 2, 'Alice sees 2 participants')).latestSnapshot;
  const list0 = list.state.latestSnapshot;
  const counts0 = { ...seen };

  // Changes Alice's subscriptions do not show: another conversation, and a user who is in none of hers.
  await ctx.server.say(c2, bob, 'elsewhere');
  await ctx.server.restOk('PUT', `/users/${encodeURIComponent(carol)}`, { name: 'Caroline' });
  // A write Alice does see, after them, to know the others have been delivered.
  await ctx.server.restOk('PUT', `/conversations/${encodeURIComponent(c1)}`, { custom: { marker: '1' } });
  await ctx.until(conv, (s) => s?.custom?.marker === '1', 'Alice sees the marker');
  assert.equal(msgs.state.latestSnapshot, m0, 'the message list is the same object');
  assert.equal(parts.state.latestSnapshot, parts0, 'the participant list is the same object');
  assert.equal(seen.msgs, counts0.msgs, 'no message snapshot was delivered');
  assert.equal(seen.parts, counts0.parts, 'no participant snapshot was delivered');
  const conv1 = conv.state.latestSnapshot;
  assert.notEqual(conv1, conv0, 'the conversation changed');
  assert.equal(conv1.lastMessage, conv0.lastMessage, 'its lastMessage did not, and is the same object');
  await ctx.until(list, (s) => s[0]?.custom?.marker === '1', 'the list shows the marker');
  assert.notEqual(list.state.latestSnapshot, list0);
  assert.equal(list.state.latestSnapshot[0], conv1, 'the list holds the same conversation snapshot object');

  // One message edited: a new list, a new snapshot for that message, the same objects for the others.
  const target = m0[2];
  await ctx.server.restOk('PUT', `/conversations/${encodeURIComponent(c1)}/messages/${encodeURIComponent(target.id)}`, {
    text: 'edited',
  });
  const m1 = (await ctx.until(msgs, (s) => s[2]?.plaintext === 'edited', 'Alice sees the edit')).latestSnapshot;
  assert.notEqual(m1, m0);
  for (let i = 0; i < m1.length; i++) if (i !== 2) assert.equal(m1[i], m0[i], `message ${i} is the same object`);
  assert.equal(conv.state.latestSnapshot, conv1, 'the conversation (its lastMessage is another message) is the same object');

  // Bob renames himself: his messages and his participant snapshot change, nothing else.
  await ctx.server.restOk('PUT', `/users/${encodeURIComponent(bob)}`, { name: 'Robert' });
  const m2 = (
    await ctx.until(msgs, (s) => s.filter((m) => m.sender?.id === bob).every((m) => m.sender.name === 'Robert'), 'Alice sees Bob renamed')
  ).latestSnapshot;
  for (let i = 0; i < m2.length; i++) {
    if (m2[i].sender?.id === bob) assert.notEqual(m2[i], m1[i]);
    else assert.equal(m2[i], m1[i], `Alice's message ${i} is the same object`);
  }
  const parts2 = (await ctx.until(parts, (s) => s.some((p) => p.user.name === 'Robert'), 'participants show Robert')).latestSnapshot;
  const aliceBefore = parts0.find((p) => p.user.id === alice);
  assert.equal(parts2.find((p) => p.user.id === alice), aliceBefore, "Alice's participant snapshot is the same object");
}, { skip });
