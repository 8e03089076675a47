// The store, driven through the public API against a scripted server:
// snapshots are immutable and reused while unchanged, nested data stays
// fresh, windows follow the protocol's rules, and reconnects resync.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getTalkSession, type MessageSnapshot, type TalkSession } from "../src/index.js";
import { FakeServer, message, side, until, user } from "./support/fakeServer.js";

let server: FakeServer;
let sessions: TalkSession[] = [];

function session(userId = "me"): TalkSession {
  const s = getTalkSession({ appId: "app", userId, host: "127.0.0.1:1", forceCreateNew: true });
  s.setToken("header.payload.signature");
  sessions.push(s);
  return s;
}

/** A conversation c1 with `n` messages from alice and bob, newest first. */
function seed(n: number): void {
  server.users.set("me", user("me"));
  server.users.set("alice", user("alice", "Alice"));
  server.users.set("bob", user("bob", "Bob"));
  server.sides.set("c1", side("c1", n));
  const msgs = [];
  for (let i = n; i >= 1; i--) msgs.push(message(`m${i}`, i % 2 ? "alice" : "bob", i));
  server.messages.set("c1", msgs);
}

beforeEach(() => {
  server = new FakeServer();
  vi.stubGlobal("fetch", async () => new Response("{}", { status: 200 }));
});

afterEach(() => {
  for (const s of sessions) s.destroy();
  sessions = [];
  vi.unstubAllGlobals();
});

describe("message window", () => {
  it("loads 30, then more with loadMore, and knows when it has all", async () => {
    seed(45);
    const sub = session().conversation("c1").subscribeMessages();
    const first = await sub.connected;
    expect(first.latestSnapshot?.length).toBe(30);
    expect(first.latestSnapshot?.[0]?.id).toBe("m45");
    expect(first.loadedAll).toBe(false);
    await sub.loadMore(100);
    const all = await until(() => (sub.state.type === "active" && sub.state.loadedAll ? sub.state : undefined));
    expect(all.latestSnapshot?.length).toBe(45);
    expect(all.latestSnapshot?.[44]?.id).toBe("m1");
    expect(server.requests("GET", "/me/conversations/c1/messages").map((f) => f[3])).toEqual([
      { limit: 30 },
      { limit: 100, cursor: "30" },
    ]);
  });

  it("grows from the newest message alone to a full page when a message list attaches", async () => {
    seed(40);
    const s = session();
    const conv = s.conversation("c1").subscribe();
    // Attached while the one-message fetch for lastMessage is still under way.
    await new Promise((r) => setTimeout(r, 0));
    const sub = s.conversation("c1").subscribeMessages();
    const first = await sub.connected;
    await conv.connected;
    expect(first.latestSnapshot?.length).toBe(30);
    expect(first.latestSnapshot?.[0]?.id).toBe("m40");
    expect(first.loadedAll).toBe(false);
  });

  it("reuses every unchanged snapshot when one message is edited", async () => {
    seed(40);
    const sub = session().conversation("c1").subscribeMessages();
    const before = (await sub.connected).latestSnapshot as MessageSnapshot[];
    server.push({
      type: "message.edited",
      conversationId: "c1",
      messageId: "m38",
      diff: { content: [{ type: "text", children: ["changed"] }], editedAt: 99 },
    });
    const after = await until(() => {
      const s = sub.state.type === "active" ? sub.state.latestSnapshot : null;
      return s && s !== before ? s : undefined;
    });
    expect(after).not.toBe(before);
    expect(after[2]?.plaintext).toBe("changed");
    expect(after[2]?.editedAt).toBe(99);
    for (let i = 0; i < after.length; i++) if (i !== 2) expect(after[i]).toBe(before[i]);
    expect(Object.isFrozen(after[2])).toBe(true);
  });

  it("does not emit when nothing it shows changed", async () => {
    seed(5);
    server.users.set("carol", user("carol"));
    const s = session();
    const seen: unknown[] = [];
    const sub = s.conversation("c1").subscribeMessages((snap) => seen.push(snap));
    await sub.connected;
    const carol = s.user("carol").subscribe();
    await carol.connected;
    // carol sent nothing here: her rename must not produce a new message list.
    server.push({ type: "user.edited", userId: "carol", diff: { name: "Caroline" } });
    await until(() => carol.state.type === "active" && carol.state.latestSnapshot?.name === "Caroline");
    expect(seen.length).toBe(1);
  });

  it("shows a sender's new name in every message and in lastMessage", async () => {
    seed(6);
    const s = session();
    const msgs = s.conversation("c1").subscribeMessages();
    const conv = s.conversation("c1").subscribe();
    const before = (await msgs.connected).latestSnapshot as MessageSnapshot[];
    await conv.connected;
    server.push({ type: "user.edited", userId: "bob", diff: { name: "Robert" } });
    const after = await until(() => {
      const snap = msgs.state.type === "active" ? msgs.state.latestSnapshot : null;
      return snap && snap !== before ? snap : undefined;
    });
    for (let i = 0; i < after.length; i++) {
      const m = after[i] as MessageSnapshot;
      if (m.sender?.id === "bob") expect(m.sender.name).toBe("Robert");
      else expect(m).toBe(before[i]);
    }
    const c = await until(() => (conv.state.type === "active" ? conv.state.latestSnapshot : undefined));
    await until(
      () => conv.state.type === "active" && conv.state.latestSnapshot?.lastMessage?.sender?.name === "Robert",
    );
    expect(c.id).toBe("c1");
  });

  it("keeps a reply's quoted message fresh, fetching it when it is outside the window", async () => {
    seed(35);
    const quoted = server.messages.get("c1")?.find((m) => m.id === "m2");
    expect(quoted).toBeDefined();
    server.messages.get("c1")?.unshift(message("m36", "alice", 36, "a reply", { referencedMessageId: "m2" }));
    const sub = session().conversation("c1").subscribeMessages();
    const first = (await sub.connected).latestSnapshot as MessageSnapshot[];
    expect(first[0]?.referencedMessage?.id).toBe("m2");
    expect(first[0]?.referencedMessage?.sender.name).toBe("Bob");
    expect(server.requests("GET", "/me/conversations/c1/messages/m2").length).toBe(1);
    server.push({
      type: "message.edited",
      conversationId: "c1",
      messageId: "m2",
      diff: { content: [{ type: "text", children: ["quoted, edited"] }], editedAt: 50 },
    });
    const edited = await until(() => {
      const s = sub.state.type === "active" ? sub.state.latestSnapshot : null;
      return s?.[0]?.referencedMessage?.plaintext === "quoted, edited" ? s : undefined;
    });
    expect(edited[1]).toBe(first[1]);
    server.push({ type: "message.deleted", conversationId: "c1", messageId: "m2" });
    await until(() => sub.state.type === "active" && sub.state.latestSnapshot?.[0]?.referencedMessage === null);
  });

  it("adds new messages at the top, ignores duplicates and those older than the window", async () => {
    seed(40);
    const sub = session().conversation("c1").subscribeMessages();
    await sub.connected;
    server.push(
      { type: "message.created", conversationId: "c1", messageId: "n1", state: message("n1", "alice", 100) },
      { type: "message.created", conversationId: "c1", messageId: "n1", state: message("n1", "alice", 100) },
      { type: "message.created", conversationId: "c1", messageId: "old", state: message("old", "alice", 2) },
    );
    const s = await until(() => {
      const snap = sub.state.type === "active" ? sub.state.latestSnapshot : null;
      return snap?.[0]?.id === "n1" ? snap : undefined;
    });
    expect(s.length).toBe(31);
    expect(s.some((m) => m.id === "old")).toBe(false);
  });

  it("drops a deleted message, and a window of one takes newLastMessage", async () => {
    seed(3);
    const s = session();
    const conv = s.conversation("c1").subscribe();
    const c = (await conv.connected).latestSnapshot;
    expect(c?.lastMessage?.id).toBe("m3");
    server.push({
      type: "message.deleted",
      conversationId: "c1",
      messageId: "m3",
      newLastMessage: message("m2", "bob", 2),
    });
    await until(() => conv.state.type === "active" && conv.state.latestSnapshot?.lastMessage?.id === "m2");
  });
});

describe("conversation list", () => {
  it("orders by last activity, moves a conversation up on side.edited, and filters", async () => {
    server.users.set("me", user("me"));
    server.sides.set("a", side("a", 30, { custom: { kind: "support" } }));
    server.sides.set("b", side("b", 20));
    server.sides.set("c", side("c", 10, { custom: { kind: "support" } }));
    const s = session();
    const all = s.subscribeConversations();
    const support = s.subscribeConversations({ filter: { custom: { kind: ["==", "support"] } } });
    expect((await all.connected).latestSnapshot.map((c) => c.id)).toEqual(["a", "b", "c"]);
    expect((await support.connected).latestSnapshot.map((c) => c.id)).toEqual(["a", "c"]);
    const before = all.state.type === "active" ? all.state.latestSnapshot : [];
    server.push({ type: "side.edited", conversationId: "c", diff: { lastMessageAt: 40 } });
    const moved = await until(() => {
      const snap = all.state.type === "active" ? all.state.latestSnapshot : null;
      return snap?.[0]?.id === "c" ? snap : undefined;
    });
    expect(moved.map((c) => c.id)).toEqual(["c", "a", "b"]);
    expect(moved[1]).toBe(before[0]);
    expect(moved[2]).toBe(before[1]);
    await until(() => support.state.type === "active" && support.state.latestSnapshot[0]?.id === "c");
    // A new conversation that does not match the filter stays out of the filtered list.
    server.push({ type: "side.created", conversationId: "d", state: side("d", 50) });
    await until(() => all.state.type === "active" && all.state.latestSnapshot[0]?.id === "d");
    expect(support.state.type === "active" && support.state.latestSnapshot.map((c) => c.id)).toEqual(["c", "a"]);
    // Leaving removes it everywhere.
    server.push({ type: "side.deleted", conversationId: "a" });
    await until(() => all.state.type === "active" && !all.state.latestSnapshot.some((c) => c.id === "a"));
    await until(() => support.state.type === "active" && support.state.latestSnapshot.length === 1);
  });
});

describe("typing", () => {
  it("lists the few typing users longest first, or many", async () => {
    seed(1);
    server.users.set("carol", user("carol"));
    const sub = session().conversation("c1").subscribeTyping();
    expect((await sub.connected).latestSnapshot).toEqual({ many: false, users: [] });
    server.push({ type: "typing.changed", conversationId: "c1", diff: { usersTyping: { bob: 20, alice: 10 } } });
    await until(
      () =>
        sub.state.type === "active" &&
        sub.state.latestSnapshot?.many === false &&
        sub.state.latestSnapshot.users.map((u) => u.id).join() === "alice,bob",
    );
    server.push({ type: "typing.changed", conversationId: "c1", diff: { many: true } });
    await until(() => sub.state.type === "active" && sub.state.latestSnapshot?.many === true);
    server.push({ type: "typing.changed", conversationId: "c1", diff: { many: false, usersTyping: { carol: 5 } } });
    await until(
      () =>
        sub.state.type === "active" &&
        sub.state.latestSnapshot?.many === false &&
        sub.state.latestSnapshot.users[0]?.id === "carol",
    );
  });
});

describe("connection", () => {
  it("never sends before renew succeeds, then resubscribes and refetches after a drop", async () => {
    seed(3);
    const sub = session().conversation("c1").subscribeMessages();
    await sub.connected;
    const first = server.received.find((f) => typeof f[1] === "string" && f[1] !== "ACK");
    expect(first?.slice(1, 3)).toEqual(["POST", "/session/renew"]);
    server.messages.get("c1")?.unshift(message("m4", "alice", 4, "sent while away"));
    server.dropAll();
    await until(() => server.open.length === 1, 5000);
    const s = await until(() => {
      const snap = sub.state.type === "active" ? sub.state.latestSnapshot : null;
      return snap?.[0]?.id === "m4" ? snap : undefined;
    }, 5000);
    expect(s.map((m) => m.id)).toEqual(["m4", "m3", "m2", "m1"]);
    const second = server.sockets[1];
    expect(second).toBeDefined();
    expect(server.requests("SUBSCRIBE", "/me/conversations/c1/messages").length).toBe(2);
  });

  it("applies an event that follows a response after that response's data, in wire order", async () => {
    seed(3);
    const sub = session().conversation("c1").subscribeMessages();
    await sub.connected;
    let again = false;
    server.handlers.push((method, path, data) => {
      if (method !== "GET" || path !== "/me/conversations/c1/messages" || !again) return undefined;
      // The page was read before m4 existed; m4's event comes right behind it.
      const page = { data: server.messages.get("c1"), cursor: null, limit: data.limit };
      return {
        status: 200,
        data: page,
        followedBy: [
          { type: "message.created", conversationId: "c1", messageId: "m4", state: message("m4", "bob", 4) },
        ],
      };
    });
    again = true;
    server.dropAll();
    const s = await until(() => {
      const snap = sub.state.type === "active" ? sub.state.latestSnapshot : null;
      return snap?.[0]?.id === "m4" ? snap : undefined;
    }, 5000);
    await new Promise((r) => setTimeout(r, 20));
    expect(sub.state.type === "active" && sub.state.latestSnapshot?.map((m) => m.id)).toEqual(["m4", "m3", "m2", "m1"]);
    expect(s.length).toBe(4);
  });

  it("connects lazily, closes when nothing has needed it for a while, and reconnects on demand", async () => {
    vi.useFakeTimers();
    try {
      seed(1);
      const s = session();
      await vi.advanceTimersByTimeAsync(100);
      expect(server.sockets.length).toBe(0);
      const sub = s.user("alice").subscribe();
      await vi.advanceTimersByTimeAsync(10);
      expect((await sub.connected).latestSnapshot?.name).toBe("Alice");
      expect(server.open.length).toBe(1);
      sub.unsubscribe();
      // The user lingers 5 s, then is unsubscribed; the socket closes 3 s after that.
      await vi.advanceTimersByTimeAsync(7_000);
      expect(server.open.length).toBe(1);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(server.open.length).toBe(0);
      expect(server.requests("UNSUBSCRIBE", "/users/alice").length).toBe(1);
      const again = s.user("bob").get();
      await vi.advanceTimersByTimeAsync(10);
      expect((await again)?.name).toBe("Bob");
      expect(server.sockets.length).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("sends a send again on the new socket with the same idempotency key", async () => {
    seed(1);
    let lost = true;
    server.handlers.push((method, path) => {
      if (method === "POST" && path === "/conversations/c1/messages" && lost) {
        lost = false;
        server.dropAll();
        return new Promise(() => {});
      }
      return undefined;
    });
    const ref = await session().conversation("c1").send("hello");
    expect(ref.id).toMatch(/^m-/);
    const sends = server.requests("POST", "/conversations/c1/messages");
    expect(sends.length).toBe(2);
    const keys = sends.map((f) => (f[3] as { idempotencyKey: string }).idempotencyKey);
    expect(keys[0]).toMatch(/^[-0-9A-Z_a-z]{20}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it("renews with a fresh token on session.expired and keeps the subscription", async () => {
    seed(1);
    const s = session();
    let asked = 0;
    s.onNeedToken = () => {
      asked++;
      s.setToken(`fresh-${asked}`);
    };
    const sub = s.conversation("c1").subscribeMessages();
    await sub.connected;
    server.push({ type: "session.expired" });
    await until(() => server.requests("POST", "/session/renew").length === 2);
    expect(server.requests("POST", "/session/renew")[1]?.[3]).toEqual({ token: "fresh-1" });
    server.push({ type: "message.created", conversationId: "c1", messageId: "m9", state: message("m9", "bob", 9) });
    await until(() => sub.state.type === "active" && sub.state.latestSnapshot?.[0]?.id === "m9");
  });
});
