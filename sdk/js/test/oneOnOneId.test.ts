import { createHash } from "node:crypto";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { oneOnOneId } from "../src/index.js";
import { sha1Hex } from "../src/sha1.js";

describe("oneOnOneId", () => {
  it("matches TalkJS's published vector and the server's", () => {
    expect(oneOnOneId("1234", "abcd")).toBe("35ec37e6e0ca43ac8ccc");
    expect(oneOnOneId("abcd", "1234")).toBe("35ec37e6e0ca43ac8ccc");
    expect(oneOnOneId("a", "b")).toBe("d12e223825a919e00efd");
    expect(oneOnOneId({ id: "alice" }, "bob")).toBe("4714b845b86fbe0ed913");
  });

  it("is SHA-1 for any input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(sha1Hex(s)).toBe(createHash("sha1").update(s, "utf8").digest("hex"));
      }),
    );
  });
});
