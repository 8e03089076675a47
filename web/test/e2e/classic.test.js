// The classic `Talk` API beyond seed 000: the legacy calling forms the
// official examples still use, `session.unreads`, `onSendMessage` with
// `override`, the Popup's `show`/`hide` and badge, `onMessage`, `destroy`,
// and a page without the snippet (a plain <script src>).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";

import { launch, messageText, openPage, pageServer, Server, uid } from "../support/harness.js";

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

function page(body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>classic</title>
<script>
(function(t,a,l,k,j,s){
s=a.createElement('script');s.async=1;s.src="${server.origin}/talk.js";a.head.appendChild(s)
;k=t.Promise;t.Talk={v:3,ready:{then:function(f){if(k)return new k(function(r,e){l.push([f,r,e])});l
.push([f])},catch:function(){return k&&new k()},c:l}};})(window,document,[]);
</script></head><body><div id="ui" style="height:520px"></div>
<script>window.log = []; window.stub = window.Talk;
${body}
</script></body></html>`;
}

test("legacy forms: createInbox({selected}), unreads.on('change'), inbox.on('conversationSelected'), ready callbacks in order", async () => {
  const me = uid("lena");
  const other = uid("omar");
  const cid = uid("legacy");
  await server.createUser(other, { name: "Omar" });
  pages = await pageServer({
    "/": page(`
      Talk.ready.then(function () { log.push("first"); });
      Talk.ready.then(function () {
        log.push("second");
        const me = new Talk.User({ id: ${JSON.stringify(me)}, name: "Lena", email: "lena@example.com", role: "default" });
        const session = new Talk.Session({ appId: ${JSON.stringify(server.appId)}, me: me });
        window.session = session;
        const conv = session.getOrCreateConversation(${JSON.stringify(cid)});
        conv.setParticipant(me);
        conv.setParticipant(new Talk.User(${JSON.stringify(other)}), { access: "ReadWrite", notify: true });
        conv.setAttributes({ subject: "Legacy forms", welcomeMessages: ["Welcome, legacy user"] });
        session.unreads.on("change", function (unreads) { window.unreadCount = unreads.length; });
        const inbox = session.createInbox({ selected: conv });
        inbox.on("conversationSelected", function (e) { log.push("selected " + (e.conversation && e.conversation.id)); });
        inbox.mount(document.getElementById("ui"));
        return "done";
      }).then(function (v) { log.push("resolved " + v); });
    `),
  });
  const p = await openPage(browser);
  await p.page.goto(pages.origin);
  await p.page.locator("cw-message-list .welcome-system", { hasText: "Welcome, legacy user" }).waitFor();
  await p.page.locator("cw-chat-header h2", { hasText: "Legacy forms" }).waitFor();
  await p.page.waitForFunction(() => window.log.includes("resolved done"));
  const log = await p.page.evaluate(() => window.log);
  assert.deepEqual(log.slice(0, 3), ["first", "second", "resolved done"]);
  // The snippet's object is the object the API was added to.
  assert.equal(await p.page.evaluate(() => window.stub === window.Talk && typeof window.Talk.Session), "function");
  await p.page.waitForFunction((id) => window.log.includes(`selected ${id}`), cid);
  // Unread: a message in another conversation counts; one in the open conversation is read at once.
  await p.page.waitForFunction(() => window.unreadCount === 0);
  const elsewhere = uid("elsewhere");
  await server.createConversation(elsewhere, [me, other]);
  await server.send(elsewhere, other, "over here");
  await p.page.waitForFunction(() => window.unreadCount === 1);
  await server.send(cid, other, "are you there?");
  await messageText(p.page, "are you there?").waitFor();
  await p.page.locator("cw-conversation-item", { hasText: "Legacy forms" }).waitFor();
  await p.page.waitForFunction(() => window.unreadCount === 1);
  // The builder's participants and attributes reached the server.
  const conv = await server.rest("GET", `/conversations/${encodeURIComponent(cid)}`);
  assert.equal(conv.subject, "Legacy forms");
  assert.deepEqual(Object.keys(conv.participants).sort(), [me, other].sort());
  assert.equal(conv.participants[other].notify, true);
  assert.deepEqual(p.errors, []);
  await p.context.close();
  await pages.close();
  pages = null;
});

test("onSendMessage can change or cancel a message; a popup shows its unread badge; destroy removes the UI", async () => {
  const me = uid("pia");
  const other = uid("quinn");
  const cid = uid("popup");
  await server.createUser(me, { name: "Pia" });
  await server.createUser(other, { name: "Quinn" });
  await server.createConversation(cid, [me, other]);
  pages = await pageServer({
    "/": page(`
      Talk.ready.then(async function () {
        const session = new Talk.Session({ appId: ${JSON.stringify(server.appId)}, me: new Talk.User(${JSON.stringify(me)}) });
        window.session = session;
        const popup = session.createPopup(session.getOrCreateConversation(${JSON.stringify(cid)}), { keepOpen: false });
        window.popup = popup;
        popup.onSendMessage(function (event) {
          if (event.message.text === "cancel me") event.override({ cancel: true });
          else event.override(async function () { return { text: event.message.text.toUpperCase(), custom: { shouted: "yes" } }; });
        });
        session.onMessage(function (m) { window.log.push((m.isByMe ? "mine: " : "theirs: ") + m.body); });
        await popup.mount({ show: false });
        window.mounted = true;
      });
    `),
  });
  const p = await openPage(browser);
  await p.page.goto(pages.origin);
  await p.page.waitForFunction(() => window.mounted);
  // Closed: the launcher carries the unread count.
  await server.send(cid, other, ["one", "two"]);
  await p.page.locator("chinwag-popup .launcher .badge", { hasText: "2" }).waitFor();
  await p.page.evaluate(() => window.popup.show());
  await messageText(p.page, "two").waitFor();
  await p.page.locator("chinwag-popup .launcher .badge").waitFor({ state: "detached" });
  const field = p.page.locator("cw-composer textarea");
  await field.fill("cancel me");
  await field.press("Enter");
  await field.fill("hello there");
  await field.press("Enter");
  await messageText(p.page, "HELLO THERE").waitFor();
  const stored = await server.messages(cid);
  assert.equal(stored.filter((m) => m.text === "cancel me").length, 0, "a cancelled message is not sent");
  const shouted = stored.find((m) => m.text === "HELLO THERE");
  assert.equal(shouted?.custom?.shouted, "yes");
  await p.page.waitForFunction(() => window.log.includes("mine: HELLO THERE"));
  await server.send(cid, other, "three");
  await p.page.waitForFunction(() => window.log.includes("theirs: three"));
  // hide() keeps the DOM, destroy() removes it.
  await p.page.evaluate(() => window.popup.hide());
  await p.page.locator("chinwag-popup .panel").waitFor({ state: "hidden" });
  await p.page.evaluate(() => window.session.destroy());
  assert.equal(await p.page.locator("chinwag-popup").count(), 0);
  assert.equal(await p.page.evaluate(() => window.session.isAlive), false);
  assert.deepEqual(p.errors, []);
  await p.context.close();
  await pages.close();
  pages = null;
});

test("a plain <script src=/talk.js> without the snippet, and a German chatbox", async () => {
  const me = uid("ute");
  const other = uid("vik");
  const cid = uid("de");
  await server.createUser(me, { name: "Ute" });
  await server.createUser(other, { name: "Vik" });
  await server.createConversation(cid, [me, other]);
  await server.send(cid, other, "Hallo!");
  pages = await pageServer({
    "/": `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>de</title>
<script src="${server.origin}/talk.js"></script></head><body><div id="ui" style="height:500px"></div><script>
Talk.ready.then(function () {
  const session = new Talk.Session({ appId: ${JSON.stringify(server.appId)}, me: new Talk.User(${JSON.stringify(me)}) });
  const chatbox = session.createChatbox(session.getOrCreateConversation(${JSON.stringify(cid)}), { locale: "de-DE" });
  chatbox.mount(document.getElementById("ui"));
});
</script></body></html>`,
  });
  const p = await openPage(browser);
  await p.page.goto(pages.origin);
  await messageText(p.page, "Hallo!").waitFor();
  await p.page.locator("cw-message-list .day", { hasText: "Heute" }).waitFor();
  assert.equal(await p.page.locator("cw-composer textarea").getAttribute("placeholder"), "Schreib etwas…");
  assert.deepEqual(p.errors, []);
  await p.context.close();
  await pages.close();
  pages = null;
});

test("a right-to-left inbox ({dir: 'rtl'}) mirrors the layout: the list on the right, one's own messages on the left", async () => {
  const me = uid("rana");
  const other = uid("sami");
  const cid = uid("rtl");
  await server.createUser(me, { name: "Rana" });
  await server.createUser(other, { name: "Sami" });
  await server.createConversation(cid, [me, other]);
  await server.send(cid, other, "مرحبا");
  await server.send(cid, me, "أهلا");
  pages = await pageServer({
    "/": page(`Talk.ready.then(function () {
  const session = new Talk.Session({ appId: ${JSON.stringify(server.appId)}, me: new Talk.User(${JSON.stringify(me)}) });
  const inbox = session.createInbox({ dir: "rtl", selected: ${JSON.stringify(cid)} });
  inbox.mount(document.getElementById("ui"));
});`),
  });
  const p = await openPage(browser, { viewport: { width: 1000, height: 700 } });
  await p.page.goto(pages.origin);
  await messageText(p.page, "مرحبا").waitFor();
  await messageText(p.page, "أهلا").waitFor();
  assert.equal(await p.page.locator("chinwag-inbox").getAttribute("dir"), "rtl");
  const box = async (selector) => {
    const b = await p.page.locator(selector).first().boundingBox();
    assert.ok(b, `${selector} is laid out`);
    return b;
  };
  const list = await box("cw-conversation-list");
  const log = await box("cw-message-list");
  assert.ok(list.x > log.x, `the conversation list (x ${list.x}) is right of the chat (x ${log.x})`);
  const mine = await box("cw-message-list .row.mine .bubble");
  const theirs = await box("cw-message-list .row:not(.mine):not(.welcome)[data-id] .bubble");
  assert.ok(mine.x < theirs.x, `one's own bubble (x ${mine.x}) is left of the other's (x ${theirs.x})`);
  assert.deepEqual(p.errors, []);
  await p.context.close();
  await pages.close();
  pages = null;
});

test("the module build: `import Talk from …/talk.mjs` with `host`, as a bundler would load it", async () => {
  const me = uid("mo");
  const other = uid("nia");
  const cid = uid("module");
  await server.createUser(me, { name: "Mo" });
  await server.createUser(other, { name: "Nia" });
  await server.createConversation(cid, [me, other]);
  await server.send(cid, other, "loaded as a module");
  pages = await pageServer({
    "/": `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>module</title></head>
<body><div id="ui" style="height:500px"></div><script type="module">
import Talk from "${server.origin}/ui/talk.mjs";
await Talk.ready;
const session = new Talk.Session({ appId: ${JSON.stringify(server.appId)}, me: new Talk.User(${JSON.stringify(me)}), host: ${JSON.stringify(server.origin)} });
const chatbox = session.createChatbox();
chatbox.select(session.getOrCreateConversation(${JSON.stringify(cid)}));
await chatbox.mount(document.getElementById("ui"));
window.id = Talk.oneOnOneId("a", "b");
</script></body></html>`,
  });
  const p = await openPage(browser);
  await p.page.goto(pages.origin);
  await messageText(p.page, "loaded as a module").waitFor();
  // The same oneOnOneId as TalkJS's documented test vector for ("a", "b"): sha1('["a","b"]'), 20 hex digits.
  const expected = createHash("sha1").update('["a","b"]').digest("hex").slice(0, 20);
  assert.equal(await p.page.evaluate(() => window.id), expected);
  assert.deepEqual(p.errors, []);
  await p.context.close();
  await pages.close();
  pages = null;
});
