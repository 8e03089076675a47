// The UI as people see it: screenshots of the Inbox, the Chatbox, the Popup
// and a phone-width view, in light and dark (web/test-results/screenshots;
// `npm run screenshots` copies them to docs/screenshots for the README), and
// axe-core on each: no serious or critical violations.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import {
  ARTIFACTS,
  demoSignIn,
  launch,
  makePng,
  messageText,
  openPage,
  pageServer,
  Server,
  uid,
} from "../support/harness.js";

const require = createRequire(import.meta.url);
const SHOTS = path.join(ARTIFACTS, "screenshots");
// A 320×180 mock-up: a sky-to-sea gradient with a sun.
const PNG = makePng(320, 180, (x, y) => {
  const sun = (x - 240) ** 2 + (y - 60) ** 2 < 28 ** 2;
  if (sun) return [255, 196, 64];
  return y < 110 ? [90 + y, 150 + y / 2, 235] : [20, 90 + (y - 110), 140 + (y - 110)];
});

/** `Talk.oneOnOneId`: the first 20 hex digits of the SHA-1 of the sorted ids as JSON. */
function oneOnOneId(a, b) {
  return createHash("sha1")
    .update(JSON.stringify([a, b].sort()))
    .digest("hex")
    .slice(0, 20);
}

/** The message toolbar, shown over the row under the pointer or holding focus. */
const toolbar = (page) => page.locator("cw-message-list .toolbar");

let server;
let browser;
let axeSource;
let pages;
const me = uid("alice");
const sebastian = uid("sebastian");
const maria = uid("maria");
const tom = uid("tom");
let oneOnOne;
const group = uid("design");

before(async () => {
  server = await Server.start();
  browser = await launch();
  axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  await mkdir(SHOTS, { recursive: true });
  await server.createUser(me, { name: "Alice Lindqvist", role: "default" });
  await server.createUser(sebastian, { name: "Sebastian Ortiz", welcomeMessage: "Hey, how can I help?" });
  await server.createUser(maria, { name: "Maria Chen" });
  await server.createUser(tom, { name: "Tom Baker" });
  oneOnOne = oneOnOneId(me, sebastian);
  await server.createConversation(oneOnOne, [me, sebastian]);
  await server.send(oneOnOne, sebastian, "Hi Alice! Did the *package* arrive on time?");
  await server.send(oneOnOne, me, "Yes, yesterday. Thanks for the quick delivery!");
  await server.send(
    oneOnOne,
    sebastian,
    "Great. A few things to check:\n- the manual is in the box\n- the warranty starts today",
  );
  await server.createConversation(group, [me, maria, tom], {
    subject: "Design review",
    welcomeMessages: ["Welcome to the design review."],
  });
  await server.send(group, maria, "I pushed the new mockups, see https://example.com/mockups");
  await server.send(group, tom, "Looks good. Can we use ```--cw-accent``` for the buttons?");
  await server.send(group, me, "Yes, _theming_ works through CSS custom properties.");
  pages = await pageServer({
    "/chatbox": (req) => classicPage(new URL(req.url, "http://x").searchParams, "chatbox"),
    "/popup": (req) => classicPage(new URL(req.url, "http://x").searchParams, "popup"),
  });
});

after(async () => {
  await browser?.close();
  await pages?.close();
  await server?.cleanup();
});

/** A page using the classic API from /talk.js, for the Chatbox and Popup views. */
function classicPage(params, kind) {
  const theme = params.get("theme") ?? "light";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${kind}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{margin:0;font-family:system-ui;background:${theme === "dark" ? "#0e1013" : "#eef1f5"};min-height:100vh}
main{padding:24px}#chat{height:560px;max-width:460px;border-radius:12px;overflow:hidden;border:1px solid #8883}</style>
<script src="${server.origin}/talk.js" async></script></head>
<body><main><h1 style="font-size:18px;color:${theme === "dark" ? "#e7eaee" : "#1b1f24"}">Order #83562938</h1>${kind === "popup" ? "" : '<div id="chat"></div>'}</main>
<script>
window.addEventListener("load", async () => {
  await Talk.ready;
  const me = new Talk.User(${JSON.stringify(me)});
  const session = new Talk.Session({ appId: ${JSON.stringify(server.appId)}, me });
  const conversation = session.getOrCreateConversation(${JSON.stringify(oneOnOne)});
  const ui = session.${kind === "popup" ? "createPopup" : "createChatbox"}({ theme: ${JSON.stringify(theme)} });
  ui.select(conversation);
  ${kind === "popup" ? "await ui.mount({ show: true });" : 'await ui.mount(document.getElementById("chat"));'}
  window.ready = true;
});
</script></body></html>`;
}

async function axe(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

async function settle(page) {
  // Fonts, images and the last snapshot in place before a picture is taken.
  await page.evaluate(() => document.fonts?.ready);
  await page.waitForTimeout(400);
}

for (const theme of ["light", "dark"]) {
  describe(`the UI in ${theme}`, () => {
    test(`inbox (${theme}): a screenshot, and no serious accessibility violations`, async () => {
      const p = await openPage(browser, {
        bypassCSP: true,
        colorScheme: theme,
        viewport: { width: 1100, height: 700 },
      });
      await demoSignIn(p.page, server, me, "Alice Lindqvist");
      await p.page.locator("cw-conversation-item", { hasText: "Design review" }).locator("button").click();
      await messageText(p.page, "theming").waitFor();
      if (theme === "light") {
        // Reactions and an image, for the picture.
        await p.page
          .locator('cw-composer input[type="file"]')
          .setInputFiles({ name: "mockup.png", mimeType: "image/png", buffer: PNG });
        await p.page.locator('cw-message-list img[alt="mockup.png"]').waitFor();
        await p.page.waitForFunction(() => {
          const list = document
            .querySelector("chinwag-inbox")
            ?.shadowRoot?.querySelector("chinwag-chatbox")
            ?.shadowRoot?.querySelector("cw-message-list");
          const img = list?.shadowRoot?.querySelector('img[alt="mockup.png"]');
          return img?.complete && img.naturalWidth === 320;
        });
        const row = p.page.locator("cw-message-list .row", { has: p.page.locator(".text", { hasText: "mockups" }) });
        await row.hover();
        await toolbar(p.page).locator('button[aria-label="Add a reaction"]').click();
        await toolbar(p.page).locator('button[aria-label="React with 🎉"]').click();
        await row.locator(".chip").waitFor();
      }
      await p.page.mouse.move(0, 0);
      await settle(p.page);
      await p.page.screenshot({ path: path.join(SHOTS, `inbox-${theme}.png`) });
      assert.deepEqual(await axe(p.page), []);
      assert.deepEqual(p.errors, []);
      await p.context.close();
    });

    test(`chatbox (${theme}) from the classic API: a screenshot, and no serious violations`, async () => {
      const p = await openPage(browser, { bypassCSP: true, colorScheme: theme, viewport: { width: 560, height: 660 } });
      await p.page.goto(`${pages.origin}/chatbox?theme=${theme}`);
      await messageText(p.page, "warranty").waitFor();
      await p.page.locator("cw-message-list .welcome", { hasText: "how can I help" }).waitFor();
      await settle(p.page);
      await p.page.screenshot({ path: path.join(SHOTS, `chatbox-${theme}.png`) });
      assert.deepEqual(await axe(p.page), []);
      assert.deepEqual(p.errors, []);
      await p.context.close();
    });

    test(`popup (${theme}): a screenshot, and no serious violations`, async () => {
      const p = await openPage(browser, { bypassCSP: true, colorScheme: theme, viewport: { width: 900, height: 760 } });
      await p.page.goto(`${pages.origin}/popup?theme=${theme}`);
      await messageText(p.page, "warranty").waitFor();
      await settle(p.page);
      await p.page.screenshot({ path: path.join(SHOTS, `popup-${theme}.png`) });
      assert.deepEqual(await axe(p.page), []);
      // The launcher closes and reopens it.
      await p.page.locator("chinwag-popup .launcher").click();
      await p.page.locator("chinwag-popup .panel").waitFor({ state: "hidden" });
      await p.page.locator("chinwag-popup .launcher").click();
      await messageText(p.page, "warranty").waitFor();
      assert.deepEqual(p.errors, []);
      await p.context.close();
    });

    test(`phone width (${theme}): list, then a chat with a back button`, async () => {
      const p = await openPage(browser, { bypassCSP: true, colorScheme: theme, viewport: { width: 360, height: 740 } });
      await demoSignIn(p.page, server, me, "Alice Lindqvist");
      await p.page.locator("chinwag-inbox[narrow]").waitFor();
      await p.page.locator("cw-conversation-item", { hasText: "Sebastian" }).waitFor();
      await settle(p.page);
      await p.page.screenshot({ path: path.join(SHOTS, `phone-list-${theme}.png`) });
      await p.page.locator("cw-conversation-item", { hasText: "Sebastian" }).locator("button").click();
      await messageText(p.page, "warranty").waitFor();
      assert.equal(await p.page.locator("cw-conversation-list").count(), 0, "one pane at a time");
      await p.page.mouse.move(0, 0);
      await settle(p.page);
      await p.page.screenshot({ path: path.join(SHOTS, `phone-chat-${theme}.png`) });
      assert.deepEqual(await axe(p.page), []);
      // Nothing wider than the screen.
      const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal overflow (${overflow}px)`);
      await p.page.locator('cw-chat-header button[aria-label="Back to the conversations"]').click();
      await p.page.locator("cw-conversation-list").waitFor();
      assert.deepEqual(p.errors, []);
      await p.context.close();
    });
  });
}

describe("keyboard", () => {
  test("the inbox works from the keyboard: pick a conversation, write, move between messages", async () => {
    const p = await openPage(browser);
    await demoSignIn(p.page, server, me, "Alice Lindqvist");
    const search = p.page.locator("cw-conversation-list input[type=search]");
    await search.focus();
    await p.page.keyboard.press("Tab");
    // Focus is on the first conversation; Down moves, Enter opens.
    await p.page.keyboard.press("ArrowDown");
    await p.page.keyboard.press("ArrowUp");
    await p.page.keyboard.press("Enter");
    await p.page.locator("cw-message-list .row").first().waitFor();
    // The message field takes focus; Tab order reaches the log, arrows move through messages.
    const log = p.page.locator("cw-message-list .log");
    await log.focus();
    await p.page.keyboard.press("ArrowUp");
    const focused = await p.page.evaluate(() => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return el?.getAttribute("role");
    });
    assert.equal(focused, "article");
    assert.deepEqual(p.errors, []);
    await p.context.close();
  });
});
