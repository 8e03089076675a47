// Search: searchMessages / searchConversations with setQuery and loadMore,
// word-prefix matching, and results limited to the searcher's conversations.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, sleep } from '../lib/harness.js';

const server = serverForFile();

const texts = (state) => state.results.map((r) => r.message.plaintext);

scenario('searchMessages: word-prefix matches in my conversations, 3 first, then loadMore', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const carol = uid('carol');
  await ctx.server.createUsers([alice, bob, carol]);
  const c1 = uid('fruit');
  const c2 = uid('other');
  const c3 = uid('private');
  await ctx.server.createConversation(c1, [alice, bob], { subject: 'Fruit' });
  await ctx.server.createConversation(c2, [alice, bob], { subject: 'Other' });
  await ctx.server.createConversation(c3, [carol], { subject: 'Carol only' });

  const seeded = [
    [c1, alice, 'bananas are great'],
    [c1, bob, 'I like Bananas!'],
    [c2, alice, 'suburbanana is not a match'],
    [c1, alice, 'banana bread recipe'],
    [c1, bob, 'nothing here'],
    [c3, carol, 'banana secret'],
    [c1, alice, 'Banana-split time'],
    [c1, bob, 'more bananas please'],
  ];
  for (const [cid, sender, text] of seeded) {
    await ctx.server.say(cid, sender, text);
    await sleep(3);
  }
  const A = ctx.session(alice);
  const C = ctx.session(carol);

  const seen = [];
  const search = A.searchMessages((results, status) => seen.push(status));
  const page1 = await ctx.step(search.setQuery('banan'), "Alice: setQuery('banan')", 15000);
  assert.equal(page1.results.length, 3, `the first page holds 3 results: ${JSON.stringify(texts(page1))}`);
  assert.equal(page1.loadedAll, false);
  assert.deepEqual(texts(page1), ['more bananas please', 'Banana-split time', 'banana bread recipe'], 'newest first');
  for (const r of page1.results) {
    assert.equal(r.conversation.id, c1, 'each result carries its conversation');
    assert.equal(r.conversation.subject, 'Fruit');
    assert.ok(r.message.sender?.id, 'the sender is hydrated');
  }

  const page2 = await ctx.step(search.loadMore(), 'Alice: loadMore()', 15000);
  assert.deepEqual(texts(page2), ['more bananas please', 'Banana-split time', 'banana bread recipe', 'I like Bananas!', 'bananas are great']);
  assert.equal(page2.loadedAll, true, 'no more results');
  assert.equal(seen.at(-1), 'loadedAll', 'the onResults callback reports loadedAll');

  // All query words must match (as word prefixes); substrings do not count.
  const both = await ctx.step(A.searchMessages().setQuery('bananas GREAT'), 'two-word query');
  assert.deepEqual(texts(both), ['bananas are great']);
  const inner = await ctx.step(A.searchMessages().setQuery('ana'), 'substring query');
  assert.deepEqual(texts(inner), [], 'a substring in the middle of a word does not match');
  assert.equal(inner.loadedAll, true);
  const none = await ctx.step(A.searchMessages().setQuery('secret'), "Alice searches Carol's word");
  assert.deepEqual(texts(none), [], "Carol's conversation is not searched for Alice");

  const carols = await ctx.step(C.searchMessages().setQuery('secret banana'), 'Carol searches her own conversation');
  assert.deepEqual(texts(carols), ['banana secret']);
  assert.equal(carols.results[0].conversation.id, c3);
}, { timeout: 60000 });

scenario('searchConversations: subject or custom.search, word prefixes, 3 first then loadMore', server, async (ctx) => {
  const alice = uid('alice');
  const carol = uid('carol');
  await ctx.server.createUsers([alice, carol]);
  const rainbow = uid('rainbow');
  const kitten = uid('kitten');
  const secret = uid('secret');
  await ctx.server.createConversation(rainbow, [alice], { subject: 'I like to look at rainbows' });
  await ctx.server.createConversation(kitten, [alice], { subject: 'Kittens', custom: { search: 'where to buy food' } });
  await ctx.server.createConversation(secret, [carol], { subject: 'Rainbows are secret' });
  const projects = [];
  for (let i = 0; i < 5; i++) {
    const id = uid(`project${i}`);
    projects.push(id);
    await ctx.server.createConversation(id, [alice], { subject: `Project number ${i}` });
    await ctx.server.say(id, alice, `kickoff ${i}`);
    await sleep(3);
  }
  const A = ctx.session(alice);
  const C = ctx.session(carol);
  const found = async (query, session = A) => {
    const state = await ctx.step(session.searchConversations().setQuery(query), `searchConversations('${query}')`, 15000);
    return state.results.map((c) => c.id).sort();
  };

  // Documented examples: prefix of each word, case-insensitive, punctuation ignored.
  for (const q of ['rainbows', 'rain', 'look at', '(look, i *LIKE* rain)', 'look look look!']) {
    assert.deepEqual(await found(q), [rainbow], `'${q}' matches the rainbow conversation only`);
  }
  for (const q of ['bows', 'rain-bows', 'look-at', 'I like to look at rainbows too']) {
    assert.deepEqual(await found(q), [], `'${q}' matches nothing`);
  }
  assert.deepEqual(await found('buy food'), [kitten], 'custom.search matches');
  assert.deepEqual(await found('kitten'), [kitten], 'the subject matches');
  assert.deepEqual(await found('kitten food'), [], 'subject and custom.search cannot be combined');
  assert.deepEqual(await found('rainbows', C), [secret], 'Carol only finds her own conversation');

  const search = A.searchConversations();
  const first = await ctx.step(search.setQuery('project'), "setQuery('project')", 15000);
  assert.equal(first.results.length, 3, 'the first page holds 3');
  assert.equal(first.loadedAll, false);
  assert.equal(first.results[0].subject?.startsWith('Project number'), true, 'results are full conversation snapshots');
  const rest = await ctx.step(search.loadMore(), 'loadMore()', 15000);
  assert.equal(rest.loadedAll, true);
  assert.deepEqual(rest.results.map((c) => c.id).sort(), [...projects].sort(), 'all five projects, no duplicates');
}, { timeout: 60000 });
