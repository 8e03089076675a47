// Seed 000, as written: TalkJS's getting-started page (the loader snippet,
// `Talk.ready`, two `Talk.User`s, `Talk.oneOnOneId`, `setParticipant`,
// `createChatbox`, `select`, `mount`), served from another origin, with one
// change: the snippet's script URL points at Chinwag's /talk.js.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { launch, openPage, pageServer, Server, uid } from "../support/harness.js";

/** The getting-started page for `me`, chatting with `other`. Only `s.src` differs from TalkJS's. */
function seedPage(talkJsUrl, appId, me, other) {
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>TalkJS getting started</title>
<script>
(function(t,a,l,k,j,s){
s=a.createElement('script');s.async=1;s.src="${talkJsUrl}";a.head.appendChild(s)
;k=t.Promise;t.Talk={v:3,ready:{then:function(f){if(k)return new k(function(r,e){l.push([f,r,e])});l
.push([f])},catch:function(){return k&&new k()},c:l}};})(window,document,[]);
</script>
</head>
<body>
<!-- container element in which TalkJS will display a chat UI -->
<div id="talkjs-container" style="width: 90%; margin: 30px; height: 500px"><i>Loading chat...</i></div>
<script>
Talk.ready.then(function () {
  const me = new Talk.User(${JSON.stringify(me)});
  window.talkSession = new Talk.Session({
    appId: '${appId}',
    me: me,
  });
  const other = new Talk.User(${JSON.stringify(other)});
  const conversation = talkSession.getOrCreateConversation(
    Talk.oneOnOneId(me, other)
  );
  conversation.setParticipant(me);
  conversation.setParticipant(other);
  const chatbox = talkSession.createChatbox();
  chatbox.select(conversation);
  chatbox.mount(document.getElementById('talkjs-container'));
});
</script>
</body>
</html>`;
}

let server;
let browser;
let pages;

before(async () => {
  server = await Server.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await pages?.close();
  await server?.cleanup();
});

test("seed 000's page, with only the script host changed, shows the chatbox and the other user's welcome message, and a message typed there reaches the other side", async () => {
  const alice = {
    id: uid("123456"),
    name: "Alice",
    email: "alice@example.com",
    photoUrl: "",
    welcomeMessage: "Hey there! How are you? :-)",
    role: "default",
  };
  const sebastian = {
    id: uid("654321"),
    name: "Sebastian",
    email: "Sebastian@example.com",
    photoUrl: "",
    welcomeMessage: "Hey, how can I help?",
    role: "default",
  };
  const talkJs = `${server.origin}/talk.js`;
  pages = await pageServer({
    "/alice": seedPage(talkJs, server.appId, alice, sebastian),
    "/sebastian": seedPage(talkJs, server.appId, sebastian, alice),
  });

  const a = await openPage(browser);
  await a.page.goto(`${pages.origin}/alice`);
  // The other user's welcome message, before anyone has written anything.
  await a.page.locator("cw-message-list .welcome", { hasText: "Hey, how can I help?" }).waitFor({ timeout: 20_000 });
  await a.page.locator("cw-chat-header h2", { hasText: "Sebastian" }).waitFor();
  // Alice's own welcome message is not shown to her.
  assert.equal(await a.page.locator("cw-message-list .welcome", { hasText: "How are you" }).count(), 0);

  const b = await openPage(browser);
  await b.page.goto(`${pages.origin}/sebastian`);
  await b.page
    .locator("cw-message-list .welcome", { hasText: "Hey there! How are you? :-)" })
    .waitFor({ timeout: 20_000 });

  const text = `Hello from seed 000 ${Date.now()}`;
  const field = a.page.locator("cw-composer textarea");
  await field.click();
  await field.fill(text);
  await field.press("Enter");
  await b.page.locator("cw-message-list .bubble .text", { hasText: text }).waitFor({ timeout: 15_000 });
  await a.page.locator("cw-message-list .bubble .text", { hasText: text }).waitFor();
  assert.equal(await a.page.locator("cw-composer textarea").inputValue(), "", "the field is cleared after sending");

  // The server has it once, from Alice, in the oneOnOneId conversation.
  const cid = await a.page.evaluate(([x, y]) => window.Talk.oneOnOneId(x, y), [alice.id, sebastian.id]);
  const stored = (await server.messages(cid)).filter((m) => m.text === text);
  assert.equal(stored.length, 1);
  assert.equal(stored[0].senderId, alice.id);
  // The users were synchronised from the browser, as TalkJS does.
  const user = await server.rest("GET", `/users/${encodeURIComponent(sebastian.id)}`);
  assert.equal(user.name, "Sebastian");
  assert.equal(user.welcomeMessage, "Hey, how can I help?");

  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.context.close();
  await b.context.close();
});
