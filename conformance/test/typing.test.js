// Typing: markAsTyping appears for the others (never for oneself), expires
// after ~10 s, stops when the typer sends a message (over the socket or
// REST), and switches to "many" above five typers, counted per viewer.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, eventsReceived } from '../lib/harness.js';

const server = serverForFile();

const typers = (s) => (s && !s.many ? s.users.map((u) => u.id) : null);

scenario('typing appears for the other user, then expires after about 10 s', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);
  const A = ctx.session(alice);
  const B = ctx.session(bob);

  const tB = ctx.track(B.conversation(cid).subscribeTyping());
  const tA = ctx.track(A.conversation(cid).subscribeTyping());
  const initial = await ctx.until(tB, (s) => s !== null, 'Bob subscribes to typing');
  assert.deepEqual({ many: initial.latestSnapshot.many, users: typers(initial.latestSnapshot) }, { many: false, users: [] });
  await ctx.until(tA, (s) => s !== null, 'Alice subscribes to typing');

  await ctx.step(A.conversation(cid).markAsTyping(), 'Alice: markAsTyping');
  const startedAt = Date.now();
  const seen = await ctx.until(tB, (s) => typers(s)?.length === 1, 'Bob sees Alice typing (typing.changed)', 5000);
  assert.equal(seen.latestSnapshot.users[0].id, alice);
  assert.equal(seen.latestSnapshot.users[0].name, `User ${alice}`, 'the typing user is a full UserSnapshot');
  assert.deepEqual(typers(tA.state.latestSnapshot), [], 'Alice never sees herself typing');

  await ctx.until(tB, (s) => typers(s)?.length === 0, 'Alice stops typing by herself', 16000);
  const after = Date.now() - startedAt;
  assert.ok(after >= 8500, `typing lasted ${after} ms; it must last about 10 s`);
  assert.ok(after <= 13000, `typing lasted ${after} ms; it must end about 10 s after markAsTyping`);
}, { timeout: 40000 });

scenario('typing stops when the typer sends a message, over the socket or over REST', server, async (ctx) => {
  const alice = uid('alice');
  const bob = uid('bob');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob]);
  await ctx.server.createConversation(cid, [alice, bob]);
  const A = ctx.session(alice);
  const B = ctx.session(bob);
  const tB = ctx.track(B.conversation(cid).subscribeTyping());
  await ctx.until(tB, (s) => s !== null, 'Bob subscribes to typing');

  await ctx.step(A.conversation(cid).markAsTyping(), 'Alice: markAsTyping');
  await ctx.until(tB, (s) => typers(s)?.length === 1, 'Bob sees Alice typing', 3000);
  await ctx.step(A.conversation(cid).send('done typing'), 'Alice sends');
  await ctx.until(tB, (s) => typers(s)?.length === 0, 'typing stops at once when Alice sends', 3000);

  await ctx.step(A.conversation(cid).markAsTyping(), 'Alice: markAsTyping again');
  await ctx.until(tB, (s) => typers(s)?.length === 1, 'Bob sees Alice typing again', 3000);
  await ctx.server.say(cid, alice, 'sent from the backend');
  await ctx.until(tB, (s) => typers(s)?.length === 0, 'typing stops when Alice sends over REST', 3000);
}, { timeout: 30000 });

scenario('typing: users in start order, renewals keep the start; more than five switch to "many", per viewer', server, async (ctx) => {
  const viewer = uid('viewer');
  const names = Array.from({ length: 6 }, (_, i) => uid(`t${i}`));
  const cid = uid('conv');
  await ctx.server.createUsers([viewer, ...names]);
  await ctx.server.createConversation(cid, [viewer, ...names]);
  const V = ctx.session(viewer);
  const sessions = names.map((n) => ctx.session(n));

  const tV = ctx.track(V.conversation(cid).subscribeTyping());
  const t0 = ctx.track(sessions[0].conversation(cid).subscribeTyping());
  await ctx.until(tV, (s) => s !== null, 'the viewer subscribes to typing');
  await ctx.until(t0, (s) => s !== null, 'typer 0 subscribes to typing');

  for (let i = 0; i < 5; i++) {
    await ctx.step(sessions[i].conversation(cid).markAsTyping(), `typer ${i}: markAsTyping`);
    await ctx.until(tV, (s) => typers(s)?.length === i + 1, `the viewer sees ${i + 1} typing`, 3000);
  }
  assert.deepEqual(typers(tV.state.latestSnapshot), names.slice(0, 5), 'longest typing first');

  // Renewing keeps the original start time, so the order does not change.
  await ctx.step(sessions[0].conversation(cid).markAsTyping(), 'typer 0 renews');
  await ctx.step(sessions[1].conversation(cid).send('hi'), 'typer 1 sends (stops typing)');
  await ctx.until(tV, (s) => typers(s)?.length === 4, 'the viewer sees 4 typing');
  await ctx.step(sessions[1].conversation(cid).markAsTyping(), 'typer 1 types again');
  await ctx.until(tV, (s) => typers(s)?.length === 5, 'the viewer sees 5 typing');
  assert.deepEqual(typers(tV.state.latestSnapshot), [names[0], names[2], names[3], names[4], names[1]], 'order by start time');
  // On the wire: a renewal must not repeat a start time for someone already
  // typing (each numeric entry makes the client open another user subscription).
  const starts = eventsReceived(viewer, ctx.started).filter(
    (e) => e.event.type === 'typing.changed' && typeof e.event.diff?.usersTyping?.[names[0]] === 'number',
  );
  assert.equal(starts.length, 1, `typer 0's start was sent once, not again on renewal: ${JSON.stringify(starts.map((e) => e.event))}`);

  // A sixth typer: the viewer sees "many"; typer 0 sees only five others, so still "few".
  await ctx.step(sessions[5].conversation(cid).markAsTyping(), 'typer 5: markAsTyping');
  await ctx.until(tV, (s) => s?.many === true, 'the viewer sees many typing', 3000);
  await ctx.until(t0, (s) => typers(s)?.length === 5, 'typer 0 sees the five others', 3000);
  assert.ok(!typers(t0.state.latestSnapshot).includes(names[0]), 'typer 0 is not in her own list');

  // One stops: back to "few" with the full list.
  await ctx.step(sessions[5].conversation(cid).send('stop'), 'typer 5 sends');
  await ctx.until(tV, (s) => s?.many === false && typers(s)?.length === 5, 'the viewer is back to five named typers', 3000);
}, { timeout: 40000 });
