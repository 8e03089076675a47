// Third-party REST clients against Chinwag, sending what they send: the PHP
// client (Guzzle) joins paths with a trailing slash, sends
// `Content-Type: application/json` on every request, creates a conversation
// "if missing" with an empty body, and encodes an empty map as `[]`. What it
// sets up, the official client then sees.

import assert from 'node:assert/strict';

import { scenario, serverForFile, uid, rawFetch } from '../lib/harness.js';

const server = serverForFile();

/** A request the way Guzzle makes it for the PHP client: JSON headers always, the body as given. */
async function php(s, method, path, body) {
  const res = await rawFetch(`${s.base}/v1/${s.appId}${path}`, {
    signal: AbortSignal.timeout(15000),
    method,
    headers: {
      Authorization: `Bearer ${s.key}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': 'GuzzleHttp/7',
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

scenario('the PHP client: trailing slashes, an empty-body create, and [] for an empty custom map', server, async (ctx) => {
  const s = ctx.server;
  const alice = uid('alice');
  const bob = uid('bob');
  const conversation = uid('order');

  for (const [id, name] of [[alice, 'Alice'], [bob, 'Bob']]) {
    const r = await php(s, 'PUT', `/users/${id}/`, JSON.stringify({ name, custom: [] }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.custom, {});
  }
  // "Create the conversation if it is missing": PUT with no body at all, twice.
  for (let i = 0; i < 2; i++) {
    const r = await php(s, 'PUT', `/conversations/${conversation}/`, undefined);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.id, conversation);
  }
  const joined = await php(
    s,
    'PUT',
    `/conversations/${conversation}/`,
    JSON.stringify({ participants: [alice, bob], subject: 'Order 391', custom: [] }),
  );
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const sent = await php(
    s,
    'POST',
    `/conversations/${conversation}/messages/`,
    JSON.stringify([{ text: 'Your order shipped', sender: bob, type: 'UserMessage', custom: [] }]),
  );
  assert.equal(sent.status, 200, JSON.stringify(sent.body));

  const users = await php(s, 'GET', '/users/?limit=50', undefined);
  assert.equal(users.status, 200, JSON.stringify(users.body));
  assert.ok(users.body.data.some((u) => u.id === alice));
  const list = await php(s, 'GET', `/users/${alice}/conversations/`, undefined);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.body.data[0].id, conversation);
  assert.equal(list.body.data[0].unreadMessageCount, 1);

  // The official client sees what the PHP backend set up.
  const A = ctx.session(alice);
  const seen = await ctx.step(A.conversation(conversation).get(), 'Alice: conversation.get()');
  assert.equal(seen?.subject, 'Order 391');
  assert.equal(seen?.unreadMessageCount, 1);
});
