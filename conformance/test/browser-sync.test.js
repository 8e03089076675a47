// Browser sync off (`chinwag app set dev --browser-sync-users off
// --browser-sync-conversations off`): the client-side writes the docs name
// reject with 403 UNAUTHORIZED_TO_EDIT(_PARTICIPANT); reads, sending
// messages and a participant's own notify keep working.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, rejects } from '../lib/harness.js';

const server = serverForFile();

let configured = false;
async function syncOff(ctx) {
  if (!configured) {
    await ctx.server.appSet({ 'browser-sync-users': 'off', 'browser-sync-conversations': 'off' });
    configured = true;
  }
}

scenario('browser sync of users off: UserRef.set and createIfNotExists reject with 403; reads work', server, async (ctx) => {
  await syncOff(ctx);
  const alice = uid('alice');
  const bob = uid('bob');
  await ctx.server.createUsers([alice, bob]);
  const A = ctx.session(alice);
  const B = ctx.session(bob);

  await rejects(A.currentUser.set({ name: 'Renamed' }), /403 UNAUTHORIZED_TO_EDIT/, 'Alice renames herself');
  await rejects(A.user(uid('ghost')).createIfNotExists({ name: 'Ghost' }), /403 UNAUTHORIZED_TO_EDIT/, 'Alice creates a user');
  await rejects(A.user(bob).set({ name: 'Bobby' }), /403 UNAUTHORIZED_TO_EDIT/, 'Alice renames Bob');

  const seen = await ctx.step(B.user(alice).get(), 'Bob reads Alice');
  assert.equal(seen?.name, `User ${alice}`, 'the refused write changed nothing');
  // The backend can still write, and the change is live.
  const watch = ctx.track(B.user(alice).subscribe());
  await ctx.until(watch, (s) => s?.name === `User ${alice}`, 'Bob watches Alice');
  await ctx.server.createUser(alice, { name: 'Alice (by backend)' });
  await ctx.until(watch, (s) => s?.name === 'Alice (by backend)', 'a REST edit still reaches Bob');
});

async function conversationSetup(ctx) {
  await syncOff(ctx);
  const alice = uid('alice');
  const bob = uid('bob');
  const carol = uid('carol');
  const cid = uid('conv');
  await ctx.server.createUsers([alice, bob, carol]);
  await ctx.server.createConversation(cid, [alice, bob], { subject: 'Fixed' });
  const A = ctx.session(alice);
  const B = ctx.session(bob);
  return { alice, bob, carol, cid, A, B, conv: A.conversation(cid) };
}

scenario('browser sync of conversations off: conversation and participant writes reject with 403', server, async (ctx) => {
  const { alice, bob, carol, cid, A, conv } = await conversationSetup(ctx);
  await rejects(conv.set({ subject: 'Changed' }), /403 UNAUTHORIZED_TO_EDIT/, 'Alice sets the subject');
  await rejects(conv.set({ custom: { a: 'b' } }), /403 UNAUTHORIZED_TO_EDIT/, 'Alice sets custom');
  await rejects(A.conversation(uid('new')).createIfNotExists({ subject: 'New' }), /403 UNAUTHORIZED_TO_EDIT/, 'Alice creates a conversation');
  await rejects(conv.participant(carol).createIfNotExists(), /403 UNAUTHORIZED_TO_EDIT_PARTICIPANT/, 'Alice adds Carol');
  await rejects(conv.participant(carol).set({ access: 'Read' }), /403 UNAUTHORIZED_TO_EDIT_PARTICIPANT/, 'Alice sets Carol');
  await rejects(conv.participant(bob).edit({ access: 'Read' }), /403 UNAUTHORIZED_TO_EDIT_PARTICIPANT/, "Alice edits Bob's access");
  await rejects(conv.participant(bob).edit({ notify: false }), /403 UNAUTHORIZED_TO_EDIT_PARTICIPANT/, "Alice edits Bob's notify");
  await rejects(conv.participant(bob).delete(), /403 UNAUTHORIZED_TO_EDIT_PARTICIPANT/, 'Alice removes Bob');
  await rejects(conv.participant(alice).edit({ access: 'Read' }), /403 UNAUTHORIZED_TO_EDIT_PARTICIPANT/, 'Alice changes her own access');
  const C = ctx.session(carol);
  await rejects(C.conversation(cid).set({ notify: false }), /403 UNAUTHORIZED_TO_EDIT/, 'Carol (not a participant) joins by set');
  await rejects(C.conversation(cid).createIfNotExists(), /403 UNAUTHORIZED_TO_EDIT/, 'Carol (not a participant) joins by createIfNotExists');

  const rest = await ctx.server.restOk('GET', `/conversations/${cid}`);
  assert.equal(rest.subject, 'Fixed', 'the subject is unchanged');
  assert.deepEqual(Object.keys(rest.participants).sort(), [alice, bob].sort(), 'the participants are unchanged');
  assert.equal(rest.participants[bob].access, 'ReadWrite');
  assert.equal(rest.participants[bob].notify, true);
});

scenario('browser sync of conversations off: reads, own notify, send, read, typing and reactions still work', server, async (ctx) => {
  const { alice, cid, B, conv } = await conversationSetup(ctx);
  const snap = await ctx.step(conv.get(), 'Alice reads the conversation');
  assert.equal(snap?.subject, 'Fixed');
  const convA = ctx.track(conv.subscribe());
  await ctx.until(convA, (s) => s?.notify === true, 'Alice subscribes to the conversation');

  // Her own notify, through ConversationRef.set and through ParticipantRef.edit.
  await ctx.step(conv.set({ notify: false }), 'Alice sets her own notify through ConversationRef.set');
  await ctx.until(convA, (s) => s?.notify === false, "Alice's notify is off");
  await ctx.step(conv.participant(alice).edit({ notify: 'MentionsOnly' }), 'Alice edits her own notify');
  await ctx.until(convA, (s) => s?.notify === 'MentionsOnly', "Alice's notify is MentionsOnly");

  const msgsB = ctx.track(B.conversation(cid).subscribeMessages());
  await ctx.until(msgsB, (s) => Array.isArray(s), 'Bob subscribes to messages');
  const ref = await ctx.step(conv.send('sync is off, messages still go'), 'Alice sends');
  await ctx.until(msgsB, (s) => s.length === 1 && s[0].id === ref.id, 'Bob receives it');
  await ctx.step(B.conversation(cid).markAsRead(), 'Bob marks it read');
  await ctx.step(B.conversation(cid).markAsTyping(), 'Bob types');
  await ctx.step(B.conversation(cid).message(ref.id).reactions('👍').add(), 'Bob reacts');
  await ctx.until(msgsB, (s) => s[0]?.reactions?.[0]?.count === 1, 'the reaction shows');
});

scenario('browser sync of conversations off: createIfNotExists of a conversation you are in resolves', server, async (ctx) => {
  const { conv } = await conversationSetup(ctx);
  // The docs: "The promise rejects if you are not already a participant and
  // client-side conversation syncing is disabled." Alice is a participant.
  await ctx.step(conv.createIfNotExists(), 'createIfNotExists of a conversation Alice is in');
  await ctx.step(conv.createIfNotExists({ subject: 'ignored' }), 'the same with params');
});
