// Windows and loadMore: conversations (20, then up to 30 more), messages
// (30, then more) and participants (10, then more). Data is seeded over REST
// one item at a time so that timestamps are distinct and the documented
// order is unambiguous; the expected order is computed from the server's
// own timestamps (read over REST) with the documented sort.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, sleep } from '../lib/harness.js';

const server = serverForFile();

const ids = (snap) => (snap ?? []).map((x) => x.id ?? x.user?.id);

scenario('conversation list: 20 first, loadMore(30) adds 30, loadMore adds the rest; old conversations come back on activity', server, async (ctx) => {
  const me = uid('me');
  const other = uid('other');
  await ctx.server.createUsers([me, other]);
  const N = 55;
  const convs = [];
  for (let i = 0; i < N; i++) {
    const cid = `${uid('w')}-${String(i).padStart(2, '0')}`;
    await ctx.server.createConversation(cid, [me, other], { subject: `Window ${i}` });
    const m = await ctx.server.say(cid, other, `message ${i}`);
    convs.push({ id: cid, at: m.createdAt });
    await sleep(2);
  }
  // Documented order: lastMessageAt descending, then id ascending.
  const expected = [...convs].sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1)).map((c) => c.id);

  const M = ctx.session(me);
  const O = ctx.session(other);
  const list = ctx.track(M.subscribeConversations());
  const first = await ctx.until(list, (s) => Array.isArray(s) && s.length > 0, 'the first window arrives', 15000);
  assert.equal(first.latestSnapshot.length, 20, 'the first window holds 20 conversations');
  assert.equal(first.loadedAll, false);
  assert.deepEqual(ids(first.latestSnapshot), expected.slice(0, 20), 'the 20 most recently active, newest first');
  assert.equal(first.latestSnapshot[0].lastMessage?.plaintext, `message ${N - 1}`, 'lastMessage is filled in');

  await ctx.step(list.loadMore(30), 'loadMore(30)', 15000);
  const second = await ctx.until(list, (s) => s.length >= 50, 'the window grows to 50');
  assert.equal(second.latestSnapshot.length, 50);
  assert.equal(second.loadedAll, false);
  assert.deepEqual(ids(second.latestSnapshot), expected.slice(0, 50));

  await ctx.step(list.loadMore(), 'loadMore() (default 20, 5 remain)', 15000);
  const all = await ctx.until(list, (s, st) => s.length === N && st.loadedAll, 'all 55 loaded, loadedAll true');
  assert.deepEqual(ids(all.latestSnapshot), expected);
  assert.equal(new Set(ids(all.latestSnapshot)).size, N, 'no duplicates');

  // A fresh 20-window: a message in the oldest conversation pulls it to the top.
  const small = ctx.track(M.subscribeConversations());
  await ctx.until(small, (s) => s?.length === 20, 'a second list subscription with 20');
  const oldest = expected[N - 1];
  await ctx.step(O.conversation(oldest).send('back from the dead'), 'Other sends in the oldest conversation');
  const moved = await ctx.until(small, (s) => s[0]?.id === oldest, 'the oldest conversation moves to the top of the window');
  assert.equal(moved.latestSnapshot[0].lastMessage?.plaintext, 'back from the dead');
  assert.ok(moved.latestSnapshot.length >= 20, 'nothing dropped from the window');
  await ctx.until(list, (s) => s[0]?.id === oldest && s.length === N, 'the full list reorders too');
}, { timeout: 90000 });

scenario('message window: 30 first, loadMore(10), loadMore() to the end; new messages on top', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);
  const N = 45;
  const sent = [];
  for (let i = 0; i < N; i++) {
    sent.push(await ctx.server.say(cid, i % 2 ? alice : bob, `m${i}`));
    await sleep(2);
  }
  const expected = [...sent].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1)).map((m) => m.id);

  const A = ctx.session(alice);
  const B = ctx.session(bob);
  const msgs = ctx.track(B.conversation(cid).subscribeMessages());
  const first = await ctx.until(msgs, (s) => Array.isArray(s) && s.length > 0, 'the first message window', 15000);
  assert.equal(first.latestSnapshot.length, 30, 'the first window holds 30 messages');
  assert.equal(first.loadedAll, false);
  assert.deepEqual(ids(first.latestSnapshot), expected.slice(0, 30));
  assert.equal(first.latestSnapshot[0].plaintext, `m${N - 1}`);

  await ctx.step(msgs.loadMore(10), 'loadMore(10)');
  const second = await ctx.until(msgs, (s) => s.length >= 40, 'the window grows to 40');
  assert.equal(second.latestSnapshot.length, 40);
  assert.equal(second.loadedAll, false);
  assert.deepEqual(ids(second.latestSnapshot), expected.slice(0, 40));

  await ctx.step(msgs.loadMore(), 'loadMore() (default 30, 5 remain)');
  const all = await ctx.until(msgs, (s, st) => s.length === N && st.loadedAll, 'all 45 loaded, loadedAll true');
  assert.deepEqual(ids(all.latestSnapshot), expected);

  const fresh = await ctx.step(A.conversation(cid).send('newest'), 'Alice sends a new message');
  const grown = await ctx.until(msgs, (s) => s.length === N + 1, 'the new message is added on top');
  assert.equal(grown.latestSnapshot[0].id, fresh.id);
  assert.equal(new Set(ids(grown.latestSnapshot)).size, N + 1, 'no duplicates');
}, { timeout: 90000 });

scenario('participant window: 10 first, loadMore(10), loadMore(50) to the end; a new participant on top', server, async (ctx) => {
  const owner = uid('owner');
  const cid = uid('conv');
  const N = 25;
  const members = Array.from({ length: N - 1 }, (_, i) => `${uid('p')}-${String(i).padStart(2, '0')}`);
  await ctx.server.createUsers([owner, ...members]);
  await ctx.server.createConversation(cid, [owner]);
  for (const m of members) {
    await ctx.server.addParticipant(cid, m);
    await sleep(2);
  }
  const rest = await ctx.server.restOk('GET', `/conversations/${cid}`);
  const joined = Object.entries(rest.participants).map(([id, p]) => ({ id, at: p.joinedAt }));
  assert.equal(joined.length, N);
  const expected = joined.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1)).map((p) => p.id);

  const O = ctx.session(owner);
  const M = ctx.session(members[0]);
  const people = ctx.track(M.conversation(cid).subscribeParticipants());
  const first = await ctx.until(people, (s) => Array.isArray(s) && s.length > 0, 'the first participant window', 15000);
  assert.equal(first.latestSnapshot.length, 10, 'the first window holds 10 participants');
  assert.equal(first.loadedAll, false);
  assert.deepEqual(ids(first.latestSnapshot), expected.slice(0, 10), 'the 10 who joined most recently, newest first');
  assert.equal(first.latestSnapshot[0].user.name, `User ${expected[0]}`);

  await ctx.step(people.loadMore(10), 'loadMore(10)');
  const second = await ctx.until(people, (s) => s.length >= 20, 'the window grows to 20');
  assert.equal(second.latestSnapshot.length, 20);
  assert.equal(second.loadedAll, false);
  assert.deepEqual(ids(second.latestSnapshot), expected.slice(0, 20));

  await ctx.step(people.loadMore(50), 'loadMore(50)');
  const all = await ctx.until(people, (s, st) => s.length === N && st.loadedAll, 'all 25 loaded, loadedAll true');
  assert.deepEqual(ids(all.latestSnapshot), expected);

  const late = uid('late');
  await ctx.server.createUser(late);
  await ctx.step(O.conversation(cid).participant(late).createIfNotExists(), 'the owner adds a late participant');
  const grown = await ctx.until(people, (s) => s.length === N + 1, 'the late participant appears');
  assert.equal(grown.latestSnapshot[0].user.id, late, 'the newest participant is first');
}, { timeout: 90000 });

scenario('reaction list window: 30 first (oldest first), loadMore() to the end; new reactions appended', server, async (ctx) => {
  const author = uid('author');
  const cid = uid('conv');
  const N = 35;
  const fans = Array.from({ length: N }, (_, i) => `${uid('fan')}-${String(i).padStart(2, '0')}`);
  await ctx.server.createUsers([author, ...fans]);
  await ctx.server.createConversation(cid, [author, ...fans]);
  const msg = await ctx.server.say(cid, author, 'react to this');
  const emoji = encodeURIComponent('🚀');
  for (const f of fans) {
    await ctx.server.restOk('PUT', `/conversations/${cid}/messages/${msg.id}/reactions/${emoji}/${encodeURIComponent(f)}`);
    await sleep(2);
  }

  const A = ctx.session(author);
  const F = ctx.session(fans[0]);
  const rockets = ctx.track(A.conversation(cid).message(msg.id).reactions('🚀').subscribe());
  const first = await ctx.until(rockets, (s) => Array.isArray(s) && s.length > 0, 'the first page of 🚀 reactions', 15000);
  assert.equal(first.latestSnapshot.length, 30, 'the first page holds 30');
  assert.equal(first.loadedAll, false);
  assert.deepEqual(first.latestSnapshot.map((r) => r.user.id), fans.slice(0, 30), 'oldest first');

  await ctx.step(rockets.loadMore(), 'loadMore()');
  const all = await ctx.until(rockets, (s, st) => s.length === N && st.loadedAll, 'all 35 loaded, loadedAll true');
  assert.deepEqual(all.latestSnapshot.map((r) => r.user.id), fans);

  const msgs = ctx.track(F.conversation(cid).subscribeMessages());
  await ctx.until(msgs, (s) => s?.[0]?.reactions?.[0]?.count === N, `a fan sees the 🚀 count ${N}`);
  assert.equal(msgs.state.latestSnapshot[0].reactions[0].currentUserReacted, true);
  await ctx.step(A.conversation(cid).message(msg.id).reactions('🚀').add(), 'the author reacts too');
  const grown = await ctx.until(rockets, (s) => s.length === N + 1, 'the new reaction is appended');
  assert.equal(grown.latestSnapshot[N].user.id, author, 'the newest reaction is last');
  await ctx.until(msgs, (s) => s[0].reactions[0].count === N + 1, 'the fan sees the count grow');
}, { timeout: 90000 });
