// Conversation filters evaluated on the client mean what they mean on the server.

import { describe, expect, it } from "vitest";
import { type FilterSubject, matchesFilter } from "../src/filter.js";
import { idempotencyKey } from "../src/idempotency.js";

const conv: FilterSubject = {
  access: "ReadWrite",
  custom: { kind: "support", tier: "gold" },
  isUnread: true,
  subject: null,
  lastMessageAt: 100,
  createdAt: 10,
  joinedAt: 20,
};

describe("matchesFilter", () => {
  it.each([
    [undefined, true],
    [{}, true],
    [{ access: ["==", "ReadWrite"] }, true],
    [{ access: ["!=", "ReadWrite"] }, false],
    [{ custom: { kind: ["==", "support"] } }, true],
    [{ custom: { kind: ["oneOf", ["a", "support"]] } }, true],
    [{ custom: { missing: ["!=", "x"] } }, true],
    [{ custom: { missing: ["==", "x"] } }, false],
    [{ custom: { missing: ["!oneOf", ["x"]] } }, true],
    [{ custom: { missing: "!exists", kind: "exists" } }, true],
    [{ custom: { kind: "!exists" } }, false],
    [{ subject: ["==", null] }, true],
    [{ subject: ["!=", null] }, false],
    [{ isUnread: false }, false],
    [{ hasMessages: true }, true],
    [{ lastActivityAt: [">=", 100] }, true],
    [{ lastActivityAt: [">", 100] }, false],
    [{ lastActivityAt: ["<=", 100] }, true],
    [{ createdAt: ["between", [10, 11]] }, true],
    [{ createdAt: ["between", [5, 10]] }, false],
    [{ joinedAt: ["!between", [0, 20]] }, true],
    [["any", []], false],
    [["any", [{ isUnread: false }, { custom: { tier: ["==", "gold"] } }]], true],
  ] as const)("%j → %s", (filter, expected) => {
    expect(matchesFilter(filter as never, conv)).toBe(expected);
  });

  it("sees no messages when the last activity is the join", () => {
    expect(matchesFilter({ hasMessages: false }, { ...conv, lastMessageAt: 20 })).toBe(true);
  });
});

describe("idempotencyKey", () => {
  it("is 20 characters of the protocol's alphabet and sorts by time", () => {
    const a = idempotencyKey(1_700_000_000_000);
    const b = idempotencyKey(1_700_000_000_001);
    expect(a).toMatch(/^[-0-9A-Z_a-z]{20}$/);
    expect(a.slice(0, 8) < b.slice(0, 8)).toBe(true);
    expect(idempotencyKey()).not.toBe(idempotencyKey());
  });
});
