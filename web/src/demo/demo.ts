// The page at `/`: a small demo of Chinwag on its own server. In a
// development app (identity verification optional), pick a user id and a
// name: the user is created, and you can start a 1:1 with anyone (its id is
// `oneOnOneId`) or join a topic conversation. Two browser windows can chat
// at once. When the app requires identity verification, the page says how
// to get a user token, and takes one.

import { getTalkSession, oneOnOneId, type TalkSession } from "@chinwag/core";

import { ChatContext } from "../elements/context.js";
import { defineElements } from "../elements/define.js";
import type { Inbox } from "../elements/inbox.js";

interface DemoConfig {
  appId: string | null;
  identityVerificationRequired: boolean;
}

const STORE_KEY = "chinwag-demo";

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}

function show(id: string): void {
  for (const section of document.querySelectorAll<HTMLElement>("main > section")) section.hidden = section.id !== id;
}

function text(el: HTMLElement, value: string): void {
  el.textContent = value;
}

function saved(): { userId: string; name: string; token?: string } | null {
  try {
    const v = JSON.parse(localStorage.getItem(STORE_KEY) ?? "null") as {
      userId?: unknown;
      name?: unknown;
      token?: unknown;
    };
    if (typeof v?.userId === "string" && typeof v.name === "string") {
      return { userId: v.userId, name: v.name, ...(typeof v.token === "string" ? { token: v.token } : {}) };
    }
  } catch {
    // A broken entry is forgotten.
  }
  return null;
}

let session: TalkSession | null = null;
let config: DemoConfig = { appId: null, identityVerificationRequired: false };

async function start(): Promise<void> {
  defineElements();
  const theme = matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  document.documentElement.dataset.theme = theme;
  try {
    const res = await fetch("/ui/config.json", { cache: "no-store" });
    config = (await res.json()) as DemoConfig;
  } catch {
    text($("status"), "Cannot reach the Chinwag server.");
    return;
  }
  if (!config.appId) {
    show("no-app");
    return;
  }
  for (const el of document.querySelectorAll<HTMLElement>("[data-app-id]")) text(el, config.appId);
  $("token-field").hidden = !config.identityVerificationRequired;
  $("verification-help").hidden = !config.identityVerificationRequired;
  ($("signin") as HTMLFormElement).addEventListener("submit", (e) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const userId = String(form.get("userId") ?? "").trim();
    const name = String(form.get("name") ?? "").trim() || userId;
    const token = String(form.get("token") ?? "").trim();
    if (!userId) return;
    localStorage.setItem(STORE_KEY, JSON.stringify({ userId, name, ...(token ? { token } : {}) }));
    void signIn(userId, name, token || undefined);
  });
  $("signout").addEventListener("click", () => {
    localStorage.removeItem(STORE_KEY);
    session?.destroy();
    session = null;
    $("inbox-slot").replaceChildren();
    show("welcome");
  });
  ($("start-1on1") as HTMLFormElement).addEventListener("submit", (e) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem("otherId") as HTMLInputElement;
    const other = input.value.trim();
    if (other) void startOneOnOne(other).then(() => (input.value = ""));
  });
  ($("join-topic") as HTMLFormElement).addEventListener("submit", (e) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem("topic") as HTMLInputElement;
    const topic = input.value.trim();
    if (topic) void joinTopic(topic);
  });
  const me = saved();
  if (me) void signIn(me.userId, me.name, me.token);
  else show("welcome");
}

async function signIn(userId: string, name: string, token?: string): Promise<void> {
  if (!config.appId) return;
  text($("status"), "");
  session = getTalkSession({ appId: config.appId, userId, host: location.origin, forceCreateNew: true });
  if (token) session.setToken(token);
  session.onError((error) => text($("status"), `The session ended: ${error.message}`));
  try {
    await session.currentUser.set({ name });
  } catch (e) {
    text($("status"), `Could not sign in as ${userId}: ${(e as Error).message}`);
    show("welcome");
    return;
  }
  text($("me"), `${name} (${userId})`);
  const inbox = document.createElement("chinwag-inbox") as Inbox;
  inbox.session = new ChatContext(session);
  inbox.setAttribute("theme", document.documentElement.dataset.theme ?? "light");
  $("inbox-slot").replaceChildren(inbox);
  show("chat");
}

function inbox(): Inbox | null {
  return document.querySelector<Inbox>("chinwag-inbox");
}

async function startOneOnOne(otherId: string): Promise<void> {
  if (!session) return;
  const me = session.currentUser.id;
  if (otherId === me) {
    text($("status"), "Pick someone else's user id.");
    return;
  }
  try {
    const id = oneOnOneId(me, otherId);
    await session.user(otherId).createIfNotExists({ name: otherId });
    const conv = session.conversation(id);
    await conv.set({});
    await conv.participant(otherId).set({});
    inbox()?.select(id);
    text($("status"), "");
  } catch (e) {
    text($("status"), `Could not start the chat: ${(e as Error).message}`);
  }
}

async function joinTopic(topic: string): Promise<void> {
  if (!session) return;
  try {
    const conv = session.conversation(topic);
    await conv.createIfNotExists({ subject: `#${topic}` });
    await conv.set({});
    inbox()?.select(topic);
    text($("status"), "");
  } catch (e) {
    text($("status"), `Could not join #${topic}: ${(e as Error).message}`);
  }
}

void start();
