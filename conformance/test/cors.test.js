// CORS: in a browser, every HTTP request of the client carries custom
// headers, so the browser sends a preflight first, and hides any response
// (errors included) that lacks Access-Control-Allow-Origin. Node's fetch
// does not do this, so this scenario plays the browser's part with raw
// requests against each endpoint the client calls over HTTP.

import assert from 'node:assert/strict';

import { scenario, serverForFile, rawFetch } from '../lib/harness.js';

const server = serverForFile();

const ORIGIN = 'https://shop.example.com';
const CLIENT_HEADERS = ['authorization', 'content-type', 'x-talkjs-client-build', 'x-talkjs-client-date'];

function allowsOrigin(res) {
  const v = res.headers.get('access-control-allow-origin');
  return v === '*' || v === ORIGIN;
}

scenario('CORS: preflight and responses (errors included) of every client HTTP endpoint allow the page origin', server, async (ctx) => {
  const { base, appId } = ctx.server;
  const endpoints = [
    ['GET', `/api/v0/${appId}`],
    ['GET', `/api/v0/${appId}/bokens/someone?signature=`],
    ['POST', `/public_api/v1/${appId}/files`],
    ['GET', `/public_api/v1/${appId}/me/messages/search?searchString=x&conversationFilter=%7B%7D&limit=3`],
    ['GET', `/public_api/v1/${appId}/me/conversations/search?searchString=x&conversationFilter=%7B%7D&limit=3`],
  ];
  for (const [method, path] of endpoints) {
    const pre = await rawFetch(`${base}${path}`, {
      signal: AbortSignal.timeout(15000),
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': CLIENT_HEADERS.join(','),
      },
    });
    assert.ok(pre.status >= 200 && pre.status < 300, `preflight ${method} ${path} answers 2xx (got ${pre.status})`);
    assert.ok(allowsOrigin(pre), `preflight ${path}: Access-Control-Allow-Origin (got ${pre.headers.get('access-control-allow-origin')})`);
    const methods = (pre.headers.get('access-control-allow-methods') ?? '').toUpperCase();
    assert.ok(methods === '*' || methods.split(/\s*,\s*/).includes(method), `preflight ${path}: allows ${method} (got "${methods}")`);
    const headers = (pre.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const h of CLIENT_HEADERS) {
      assert.ok(headers === '*' || headers.split(/\s*,\s*/).includes(h), `preflight ${path}: allows header ${h} (got "${headers}")`);
    }
  }

  // Actual responses, successful and failing, carry the header too.
  const ok = await rawFetch(`${base}/api/v0/${appId}`, { headers: { Origin: ORIGIN }, signal: AbortSignal.timeout(15000) });
  assert.equal(ok.status, 200);
  assert.ok(allowsOrigin(ok), 'app check 200 has Access-Control-Allow-Origin');
  const missing = await rawFetch(`${base}/api/v0/no-such-app`, { headers: { Origin: ORIGIN }, signal: AbortSignal.timeout(15000) });
  assert.equal(missing.status, 404, 'the app check of an unknown app is 404');
  assert.ok(allowsOrigin(missing), 'the 404 has Access-Control-Allow-Origin');
  const unauth = await rawFetch(`${base}/public_api/v1/${appId}/me/messages/search?searchString=x&conversationFilter=%7B%7D&limit=3`, {
    headers: { Origin: ORIGIN, Authorization: 'Bearer not-a-token' },
    signal: AbortSignal.timeout(15000),
  });
  assert.equal(unauth.status, 401, 'search with a bad token is 401');
  assert.ok(allowsOrigin(unauth), 'the 401 has Access-Control-Allow-Origin');
  const body = await unauth.json();
  assert.equal(typeof body.errorCode, 'string');
  assert.ok(Array.isArray(body.reasons));
});
