// Two people chatting in two browser contexts, through the demo page at `/`
// and the Inbox: everything a user does, checked on both sides.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  demoSignIn,
  demoStartOneOnOne,
  field,
  launch,
  messageText,
  openPage,
  rows,
  Server,
  sendText,
  sleep,
  uid,
} from "../support/harness.js";

// A 4×3 PNG, red.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAEklEQVR4nGP4z8DAwMDAxMDAAAAaGwH/fLt5tQAAAABJRU5ErkJggg==",
  "base64",
);

/** The message toolbar, shown over the row under the pointer or holding focus. */
const toolbar = (page) => page.locator("cw-message-list .toolbar");

let server;
let browser;

before(async () => {
  server = await Server.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

/** Alice and Bob, each signed into the demo in their own context, in their 1:1. */
async function pair() {
  const aliceId = uid("alice");
  const bobId = uid("bob");
  const a = await openPage(browser);
  const b = await openPage(browser);
  await demoSignIn(a.page, server, aliceId, "Alice");
  await demoSignIn(b.page, server, bobId, "Bob");
  await demoStartOneOnOne(a.page, bobId);
  await a.page.locator("cw-chat-header h2", { hasText: "Bob" }).waitFor();
  await demoStartOneOnOne(b.page, aliceId);
  await b.page.locator("cw-chat-header h2", { hasText: "Alice" }).waitFor();
  /** `allow`: errors expected in this test (the console's reports of a dropped socket, say). */
  const done = async (allow = null) => {
    const unexpected = (errors) => errors.filter((e) => !allow?.test(e));
    assert.deepEqual(unexpected(a.errors), [], "no errors in Alice's page");
    assert.deepEqual(unexpected(b.errors), [], "no errors in Bob's page");
    await a.context.close();
    await b.context.close();
  };
  return { a: a.page, b: b.page, aliceId, bobId, done };
}

describe("two users in two browsers", () => {
  test("sign in, start a 1:1, and exchange messages both ways, live", async () => {
    const { a, b, done } = await pair();
    await sendText(a, "Hi Bob, *bold* and _italic_ and https://example.com");
    await messageText(b, "Hi Bob").waitFor();
    // Markup is rendered as elements, links as links.
    assert.equal(await b.locator("cw-message-list .bubble strong", { hasText: "bold" }).count(), 1);
    assert.equal(await b.locator("cw-message-list .bubble em", { hasText: "italic" }).count(), 1);
    assert.equal(await b.locator('cw-message-list .bubble a[href="https://example.com/"]').count(), 1);
    await sendText(b, "Hello Alice!");
    await messageText(a, "Hello Alice!").waitFor();
    // Shift+Enter adds a line instead of sending.
    const f = field(a);
    await f.click();
    await f.type("first line");
    await f.press("Shift+Enter");
    await f.type("second line");
    assert.equal(await f.inputValue(), "first line\nsecond line");
    await f.press("Enter");
    await messageText(b, "second line").waitFor();
    // In a 1:1, no sender names above the bubbles.
    assert.equal(await b.locator("cw-message-list .sender").count(), 0);
    // Script in a message stays text.
    await sendText(a, "<img src=x onerror=alert(1)> <script>alert(2)</script>");
    await messageText(b, "<script>alert(2)</script>").waitFor();
    assert.equal(await b.locator("cw-message-list .bubble img").count(), 0);
    await done();
  });

  test("typing shows on the other side, then clears when the message arrives", async () => {
    const { a, b, done } = await pair();
    const f = field(a);
    await f.click();
    await f.type("I am typing");
    await b.locator("cw-typing", { hasText: "Alice is typing" }).waitFor();
    await f.press("Enter");
    await messageText(b, "I am typing").waitFor();
    await b.waitForFunction(
      () =>
        !document
          .querySelector("chinwag-inbox")
          ?.shadowRoot?.querySelector("chinwag-chatbox")
          ?.shadowRoot?.querySelector("cw-typing")
          ?.shadowRoot?.textContent?.includes("typing"),
    );
    await done();
  });

  test("unread badges count up in the list, then clear when the conversation is opened", async () => {
    const { a, b, done } = await pair();
    // Bob moves to another conversation: Alice's messages are unread for him.
    await b.locator("#topic").fill(uid("elsewhere"));
    await b.locator("#join-topic button").click();
    await b.locator("cw-chat-header h2", { hasText: "#elsewhere" }).waitFor();
    await sendText(a, "one");
    await sendText(a, "two");
    await sendText(a, "three");
    const item = b.locator("cw-conversation-item", { hasText: "Alice" });
    await item.locator(".badge", { hasText: "3" }).waitFor();
    assert.match(await item.locator(".preview").textContent(), /three/);
    await item.locator("button").click();
    await b.locator("cw-chat-header h2", { hasText: "Alice" }).waitFor();
    await item.locator(".badge").waitFor({ state: "detached" });
    // Alice sees her messages read.
    await a.locator('cw-message-list .row.mine svg[aria-label="Read"]').first().waitFor();
    await done();
  });

  test("an image upload shows in both windows", async () => {
    const { a, b, done } = await pair();
    await a
      .locator('cw-composer input[type="file"]')
      .setInputFiles({ name: "red.png", mimeType: "image/png", buffer: PNG });
    const img = (p) => p.locator('cw-message-list .bubble img[alt="red.png"]');
    await img(a).waitFor();
    await img(b).waitFor();
    // The image really loads (the file link works for the other participant).
    await b.waitForFunction(() => {
      const find = (root) => {
        for (const el of root.querySelectorAll("*")) {
          if (el.tagName === "IMG" && el.alt === "red.png") return el;
          if (el.shadowRoot) {
            const hit = find(el.shadowRoot);
            if (hit) return hit;
          }
        }
        return null;
      };
      const el = find(document);
      return el?.complete && el.naturalWidth === 4;
    });
    await done();
  });

  test("reply, react, edit and delete propagate to the other side", async () => {
    const { a, b, done } = await pair();
    await sendText(a, "original message");
    const onB = messageText(b, "original message");
    await onB.waitFor();
    // Bob replies.
    const rowB = b.locator("cw-message-list .row", { has: b.locator(".text", { hasText: "original message" }) });
    await rowB.hover();
    await toolbar(b).locator('button[aria-label="Reply"]').click();
    await b.locator("cw-composer .context", { hasText: "Replying to Alice" }).waitFor();
    await sendText(b, "this is my reply");
    const replyOnA = a.locator("cw-message-list .row", { has: a.locator(".text", { hasText: "this is my reply" }) });
    await replyOnA.locator(".quote", { hasText: "original message" }).waitFor();
    // Bob reacts.
    await rowB.hover();
    await toolbar(b).locator('button[aria-label="Add a reaction"]').click();
    await toolbar(b).locator('button[aria-label="React with 👍"]').click();
    const rowA = a.locator("cw-message-list .row", { has: a.locator(".text", { hasText: "original message" }) });
    await rowA.locator(".chip", { hasText: "👍" }).waitFor();
    assert.match(await rowA.locator(".chip").first().textContent(), /1/);
    // Alice edits her message.
    await rowA.hover();
    await toolbar(a).locator('button[aria-label="Edit"]').click();
    const f = field(a);
    assert.equal(await f.inputValue(), "original message");
    await f.fill("edited message");
    await f.press("Enter");
    await messageText(b, "edited message").waitFor();
    const editedB = b.locator("cw-message-list .row", { has: b.locator(".text", { hasText: "edited message" }) });
    await editedB.locator(".meta", { hasText: "edited" }).waitFor();
    // The reply's quote follows the edit.
    const replyOnB = b.locator("cw-message-list .row", { has: b.locator(".text", { hasText: "this is my reply" }) });
    await replyOnB.locator(".quote", { hasText: "edited message" }).waitFor();
    // Alice deletes it (two clicks: delete, then confirm).
    const editedA = a.locator("cw-message-list .row", { has: a.locator(".text", { hasText: "edited message" }) });
    await editedA.hover();
    await toolbar(a).locator('button[aria-label="Delete"]').click();
    await toolbar(a).locator('button[aria-label="Delete this message?"]').click();
    await messageText(b, "edited message").waitFor({ state: "detached" });
    await messageText(a, "edited message").waitFor({ state: "detached" });
    await done();
  });

  test("a group conversation shows sender names", async () => {
    const me = uid("carol");
    const others = [uid("dave"), uid("erin")];
    const cid = uid("group");
    await server.createUser(me, { name: "Carol" });
    await server.createUser(others[0], { name: "Dave" });
    await server.createUser(others[1], { name: "Erin" });
    await server.createConversation(cid, [me, ...others], { subject: "Project group" });
    await server.send(cid, others[0], "Dave says hi");
    await server.send(cid, others[1], "Erin says hi");
    const c = await openPage(browser);
    await demoSignIn(c.page, server, me, "Carol");
    await c.page.locator("cw-conversation-item", { hasText: "Project group" }).locator("button").click();
    await messageText(c.page, "Erin says hi").waitFor();
    const names = await c.page.locator("cw-message-list .sender").allInnerTexts();
    assert.deepEqual(names.sort(), ["Dave", "Erin"]);
    await c.page.locator("cw-chat-header .sub", { hasText: "3 participants" }).waitFor();
    await sendText(c.page, "Carol here");
    await messageText(c.page, "Carol here").waitFor();
    // No name over one's own messages.
    assert.deepEqual((await c.page.locator("cw-message-list .sender").allInnerTexts()).sort(), ["Dave", "Erin"]);
    assert.deepEqual(c.errors, []);
    await c.context.close();
  });

  test("scrolling up loads older messages without moving what is on screen", async () => {
    const me = uid("frank");
    const other = uid("gina");
    const cid = uid("history");
    await server.createUser(me, { name: "Frank" });
    await server.createUser(other, { name: "Gina" });
    await server.createConversation(cid, [me, other]);
    const texts = Array.from({ length: 150 }, (_, i) => `history message ${String(i + 1).padStart(3, "0")}`);
    await server.send(cid, other, texts);
    const f = await openPage(browser);
    await demoSignIn(f.page, server, me, "Frank");
    await f.page.locator("cw-conversation-item", { hasText: "Gina" }).locator("button").click();
    await messageText(f.page, "history message 150").waitFor();
    const first = await rows(f.page).count();
    assert.ok(first < 150, `the first page is a page (${first} rows), not the whole history`);
    const scroller = f.page.locator("cw-message-list .scroller");
    const toTop = () =>
      scroller.evaluate((el) => {
        el.scrollTop = -el.scrollHeight;
      });
    // At the top of what is loaded, the oldest row is on screen while the older page loads above it:
    // it keeps its place on screen when that page lands (no jump).
    const before = await rows(f.page).count();
    await toTop();
    const oldest = rows(f.page).first();
    const oldestId = await oldest.getAttribute("data-id");
    const anchor = f.page.locator(`cw-message-list .row[data-id="${oldestId}"]`);
    const y0 = (await anchor.boundingBox()).y;
    await f.page.waitForFunction(
      (n) =>
        document
          .querySelector("chinwag-inbox")
          .shadowRoot.querySelector("chinwag-chatbox")
          .shadowRoot.querySelector("cw-message-list")
          .shadowRoot.querySelectorAll(".row[data-id]").length > n,
      before,
    );
    const y1 = (await anchor.boundingBox()).y;
    assert.ok(
      Math.abs(y1 - y0) < 2,
      `the row on screen stayed put while older messages loaded above it (${y0} → ${y1})`,
    );
    // Keep scrolling up, as a reader would, until the first message shows.
    const deadline = Date.now() + 60_000;
    while ((await messageText(f.page, "history message 001").count()) === 0 && Date.now() < deadline) {
      await toTop();
      await sleep(100);
    }
    await messageText(f.page, "history message 001").waitFor();
    // Only a window of the rows is in the DOM; reading down from the top
    // shows every message once, in order, and the view is never blank.
    assert.ok((await rows(f.page).count()) < 150, "rows far from the view are not rendered");
    const seen = await scroller.evaluate(async (el) => {
      const root = el.getRootNode();
      const order = [];
      el.scrollTop = -el.scrollHeight;
      for (let step = 0; step < 400; step++) {
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const view = el.getBoundingClientRect();
        const visible = [...root.querySelectorAll(".row[data-id]")].filter((row) => {
          const b = row.getBoundingClientRect();
          return b.bottom > view.top && b.top < view.bottom;
        });
        if (visible.length === 0) return { blankAt: step, order };
        for (const row of visible) {
          const text = row.querySelector(".text")?.textContent ?? "";
          if (order[order.length - 1] !== text && !order.includes(text)) order.push(text);
        }
        if (el.scrollTop >= -1) break;
        el.scrollTop += el.clientHeight / 2;
      }
      return { order };
    });
    assert.equal(seen.blankAt, undefined, `the view was blank at step ${seen.blankAt}`);
    assert.deepEqual(seen.order, texts, "every message, once, in order");
    assert.deepEqual(f.errors, []);
    await f.context.close();
  });

  test("after the server restarts, the chat reconnects and nothing is lost", async () => {
    const { a, b, done } = await pair();
    await sendText(a, "before the restart");
    await messageText(b, "before the restart").waitFor();
    const cid = await a.evaluate(() => document.querySelector("chinwag-inbox").conversationId);
    const aliceId = await a.evaluate(() => JSON.parse(localStorage.getItem("chinwag-demo")).userId);
    await server.restart({ hard: true, downMs: 500 });
    // Messages sent while the browsers reconnect arrive, once each.
    await server.send(cid, aliceId, ["during the reconnect 1", "during the reconnect 2"]);
    await messageText(b, "during the reconnect 2").waitFor({ timeout: 40_000 });
    await messageText(b, "during the reconnect 1").waitFor();
    await sendText(b, "after the restart");
    await messageText(a, "after the restart").waitFor({ timeout: 40_000 });
    await messageText(a, "during the reconnect 2").waitFor();
    for (const page of [a, b]) {
      for (const text of [
        "before the restart",
        "during the reconnect 1",
        "during the reconnect 2",
        "after the restart",
      ]) {
        assert.equal(await messageText(page, text).count(), 1, `${text} shows once`);
      }
    }
    // The sockets dropped with the server: the console's reports of that are expected, nothing else.
    await done(/WebSocket connection|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE/);
  });
});
