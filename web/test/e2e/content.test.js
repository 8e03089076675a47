// Message content as the chat pane shows it: files as download cards, audio
// and voice with players, locations as map links, action buttons as inert
// text; and the conversation list's search.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { demoSignIn, launch, messageText, openPage, Server, uid } from "../support/harness.js";

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

/** Uploads bytes over REST as the backend; answers the file token. */
async function upload(name, type, bytes, subtype) {
  const form = new FormData();
  form.append("file", new Blob([bytes], { type }), name);
  if (subtype) form.append("subtype", subtype);
  const res = await fetch(`${server.origin}/v1/${server.appId}/files`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.key}` },
    body: form,
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.fileToken ?? body.attachmentToken ?? body.token;
}

/** A short silent WAV, so that the browser's player loads real audio. */
function wav(seconds = 1, rate = 8000) {
  const samples = seconds * rate;
  const b = Buffer.alloc(44 + samples);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + samples, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write("data", 36);
  b.writeUInt32LE(samples, 40);
  b.fill(128, 44);
  return b;
}

test("files, audio, voice, locations and action buttons render as they should", async () => {
  const me = uid("wren");
  const other = uid("xavi");
  const cid = uid("content");
  await server.createUser(me, { name: "Wren" });
  await server.createUser(other, { name: "Xavi" });
  await server.createConversation(cid, [me, other]);
  const pdf = await upload("invoice.pdf", "application/pdf", Buffer.from("%PDF-1.4\n% not really\n"));
  const audio = await upload("song.wav", "audio/wav", wav(), "audio");
  const voice = await upload("note.wav", "audio/wav", wav(), "voice");
  const post = (body) =>
    server.rest("POST", `/conversations/${encodeURIComponent(cid)}/messages`, [
      { sender: other, type: "UserMessage", ...body },
    ]);
  await post({ attachmentToken: pdf });
  await post({ attachmentToken: audio });
  await post({ attachmentToken: voice });
  await post({ location: [52.370216, 4.895168] });
  await post({ text: "Ready? <actionbutton:buy?sku=42|Buy now> or <actionlink:later|later>" });

  const p = await openPage(browser);
  await demoSignIn(p.page, server, me, "Wren");
  await p.page.locator("cw-conversation-item", { hasText: "Xavi" }).locator("button").click();
  await messageText(p.page, "Ready?").waitFor();

  const card = p.page.locator("cw-message-list a.file-card", { hasText: "invoice.pdf" });
  await card.waitFor();
  assert.equal(await card.getAttribute("download"), "invoice.pdf");
  assert.match(await card.getAttribute("aria-label"), /Download invoice\.pdf \(\d+ B\)/);
  // The card's link downloads the file for this participant.
  const href = await card.getAttribute("href");
  const res = await fetch(href);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /PDF-1\.4/);

  await p.page.locator('cw-message-list audio[aria-label="song.wav"]').waitFor();
  await p.page.locator("cw-message-list .voice", { hasText: "Voice message" }).locator("audio").waitFor();
  const map = p.page.locator("cw-message-list a.location");
  await map.waitFor();
  assert.match(await map.getAttribute("href"), /^https:\/\/www\.openstreetmap\.org\/\?mlat=52\.370216&mlon=4\.895168/);
  // Actions need the app's handler: shown as what they say, not as links or buttons.
  const action = p.page.locator("cw-message-list .action-button", { hasText: "Buy now" });
  await action.waitFor();
  assert.equal(await p.page.locator("cw-message-list .bubble button", { hasText: "Buy now" }).count(), 0);
  assert.equal(await p.page.locator("cw-message-list .bubble a", { hasText: "later" }).count(), 0);
  assert.deepEqual(p.errors, []);
  await p.context.close();
});

test("the conversation list's search finds conversations by subject", async () => {
  const me = uid("yara");
  const other = uid("zeno");
  await server.createUser(me, { name: "Yara" });
  await server.createUser(other, { name: "Zeno" });
  for (const subject of ["Kitchen renovation", "Garden plans", "Kitchen tiles"]) {
    const cid = uid("topic");
    await server.createConversation(cid, [me, other], { subject });
    await server.send(cid, other, `about ${subject}`);
  }
  const p = await openPage(browser);
  await demoSignIn(p.page, server, me, "Yara");
  await p.page.locator("cw-conversation-item", { hasText: "Garden plans" }).waitFor();
  await p.page.locator("cw-conversation-list input[type=search]").fill("kitchen");
  await p.page.locator("cw-conversation-item", { hasText: "Garden plans" }).waitFor({ state: "detached" });
  const titles = await p.page.locator("cw-conversation-item .title").allTextContents();
  assert.deepEqual(titles.sort(), ["Kitchen renovation", "Kitchen tiles"]);
  await p.page.locator("cw-conversation-list input[type=search]").fill("");
  await p.page.locator("cw-conversation-item", { hasText: "Garden plans" }).waitFor();
  assert.deepEqual(p.errors, []);
  await p.context.close();
});
