// The React example (examples/react/app.tsx), bundled with esbuild and run
// in Chromium against a real server: the Inbox and a Chatbox as components,
// a hook that counts unread conversations, and the selection callback.

import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";

import { build } from "esbuild";

import { launch, messageText, openPage, pageServer, Server, uid, WEB_DIR } from "../support/harness.js";

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

test("the React example: Inbox and Chatbox components, and a hook over the SDK", async () => {
  const out = await build({
    entryPoints: [path.join(WEB_DIR, "examples/react/app.tsx")],
    bundle: true,
    write: false,
    format: "esm",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    alias: { "@chinwag/core": path.join(WEB_DIR, "../sdk/js/src/index.ts") },
    logLevel: "warning",
  });
  const js = out.outputFiles[0].text;
  // The bundle goes inline: the page server answers HTML only.
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>react</title></head><body><div id="root"></div><script type="module">${js.replaceAll("</script", "<\\/script")}</script></body></html>`;
  pages = await pageServer({ "/": html });

  const me = uid("rhea");
  const other = uid("otto");
  const older = uid("older");
  const cid = uid("react");
  await server.createUser(me, { name: "Rhea" });
  await server.createUser(other, { name: "Otto" });
  await server.createConversation(older, [me, other], { subject: "Older chat" });
  await server.send(older, other, "waiting in the older chat");
  await server.createConversation(cid, [me, other], { subject: "React chat" });
  await server.send(cid, other, "hello from the server");

  const p = await openPage(browser);
  const q = new URLSearchParams({
    appId: server.appId,
    userId: me,
    host: `127.0.0.1:${server.port}`,
    conversationId: cid,
  });
  await p.page.goto(`${pages.origin}/?${q}`);
  // The Inbox selects the latest conversation, says so, and reads it.
  await p.page.locator("#selected", { hasText: cid }).waitFor();
  await messageText(p.page.locator("chinwag-inbox"), "hello from the server").waitFor();
  await messageText(p.page.locator("chinwag-chatbox[theme=dark]").last(), "hello from the server").waitFor();
  // The hook counts what is left unread: the older chat.
  await p.page.locator("#unread", { hasText: "Unread conversations: 1" }).waitFor();
  await p.page.locator("chinwag-inbox cw-conversation-item", { hasText: "Older chat" }).locator("button").click();
  await p.page.locator("#selected", { hasText: older }).waitFor();
  await p.page.locator("#unread", { hasText: "Unread conversations: 0" }).waitFor();
  await server.send(older, other, "and another");
  await messageText(p.page.locator("chinwag-inbox"), "and another").waitFor();
  assert.deepEqual(p.errors, []);
  await p.context.close();
});
