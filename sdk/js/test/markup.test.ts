import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { ContentBlock, FileBlock, TextNode } from "../src/markup/index.js";
import { nodesPlaintext, parse, plaintext, toMarkup } from "../src/markup/index.js";
import { parseWithBudget } from "../src/markup/parse.js";

const REST = { linksAndActions: true };
const USER = { linksAndActions: false };

const bold = (...children: TextNode[]): TextNode => ({ type: "bold", children });
const italic = (...children: TextNode[]): TextNode => ({ type: "italic", children });
const autoLink = (url: string, text: string): TextNode => ({ type: "autoLink", url, text });
const emoji = (text: string): TextNode => ({ type: "customEmoji", text });

/** Parses `s` with both options, checks each is a fixed point of toMarkup + parse, and returns the REST nodes. */
function parsed(s: string): TextNode[] {
  for (const options of [REST, USER]) {
    const nodes = parse(s, options);
    expect(parse(toMarkup(nodes), options)).toStrictEqual(nodes);
  }
  return parse(s, REST);
}

/** Typed nodes in the tree, as the node budget counts them. */
function countTyped(nodes: readonly TextNode[]): number {
  return nodes.reduce(
    (sum, node) => (typeof node === "string" ? sum : sum + 1 + ("children" in node ? countTyped(node.children) : 0)),
    0,
  );
}

/** No empty plain string and never two plain strings in a row, anywhere in the tree. */
function expectMerged(nodes: readonly TextNode[]): void {
  nodes.forEach((node, i) => {
    if (typeof node === "string") {
      expect(node).not.toBe("");
      expect(typeof nodes[i + 1]).not.toBe("string");
    } else if ("children" in node) {
      expectMerged(node.children);
    }
  });
}

// Text that hits the parser's constructs and their edges often: single
// characters from all of Unicode, the characters the parser looks at, and
// fragments of every construct (as in the server's property tests).
const markupText = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
      { weight: 6, arbitrary: fc.constantFrom(..."_*~`<>|!:-+@./\n  ab x120()?=&%,\té𝔘😀\u0301\u00a0") },
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          "http://",
          "https://",
          "www.",
          ".com",
          ".io",
          "<!!mention:",
          "```",
          "<!!customemoji:",
          "<actionlink:",
          "<actionbutton:",
          "mailto:",
          "example",
          "- ",
          "* ",
          "\n- ",
          "+31 20 123 4567",
          "2019-2020",
          "9.00-17.30",
          "bob@example.org",
          ":smile:",
          "%20",
          "%zz",
          "%ff",
          "%F0%9F%98%80",
          "?a=1&b=2",
          "|label>",
          "_it_",
          "*b*",
          "~s~",
          "555 1234",
          "x.com/a_(b)",
          "<https://a.io|",
          "<!!mention:u1|",
          "<!!mention:a%2Fb|Al B>",
          "<actionbutton:buy?x=%41&y",
          "<actionlink:a?k=v&k=w|ok>",
          "<!!customemoji:cat>",
          "<mailto:a@b.co|m>",
        ),
      },
    ),
    { maxLength: 40 },
  )
  .map((atoms) => atoms.join(""));

// Words (letters from several scripts, a few digits glued on) between
// spaces, commas and newlines: nothing the parser turns into a node.
const inertText = fc
  .array(
    fc.tuple(
      fc.array(fc.constantFrom(..."abcxyzABCZéßжß日本𝔘𝔫"), { minLength: 1, maxLength: 8 }),
      fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: 3 }),
      fc.constantFrom(" ", ", ", "  ", "\n", " ,", "\t", "\u00a0"),
    ),
    { maxLength: 12 },
  )
  .map((words) => words.map(([letters, digits, separator]) => letters.join("") + digits + separator).join(""));

describe("parse properties", () => {
  it("never throws, on any UTF-16 string (lone surrogates included)", () => {
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: anyUnit }), markupText), (s) => {
        parse(s, REST);
        parse(s, USER);
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps text without markup as one plain string", () => {
    fc.assert(
      fc.property(inertText, (s) => {
        for (const options of [REST, USER]) {
          expect(parse(s, options)).toStrictEqual(s === "" ? [] : [s]);
        }
      }),
    );
  });

  it("never leaves an empty plain string or two plain strings in a row", () => {
    fc.assert(
      fc.property(markupText, (s) => {
        expectMerged(parse(s, REST));
        expectMerged(parse(s, USER));
      }),
      { numRuns: 2000 },
    );
  });

  it("reads its own markup back: parse(toMarkup(parse(s))) equals parse(s)", () => {
    fc.assert(
      fc.property(markupText, (s) => {
        for (const options of [REST, USER]) {
          const nodes = parse(s, options);
          expect(parse(toMarkup(nodes), options)).toStrictEqual(nodes);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("reads its own markup back when the node budget runs out", () => {
    fc.assert(
      fc.property(markupText, fc.integer({ min: 0, max: 5 }), (s, budget) => {
        for (const options of [REST, USER]) {
          const nodes = parseWithBudget(s, options, budget);
          expect(countTyped(nodes)).toBeLessThanOrEqual(budget);
          expect(parseWithBudget(toMarkup(nodes), options, budget)).toStrictEqual(nodes);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

// The server's unit tests (markup.rs), for the parts they check beyond the corpus.
describe("parse and toMarkup", () => {
  it("keeps markers inside words as text", () => {
    expect(parsed("this_ doesn't _change")).toStrictEqual(["this_ doesn't _change"]);
    expect(parsed("*_like this_*")).toStrictEqual([bold(italic("like this"))]);
    expect(toMarkup(parsed("(*bold*), x _a_ and _b_ ~c~"))).toBe("(*bold*), x _a_ and _b_ ~c~");
  });

  it("normalises bullet lists and gives a list's final newline to the list", () => {
    const s = "Shopping:\n- milk\n* *eggs*\n  + bread www.bakery.nl\nThat's all";
    expect(toMarkup(parsed(s))).toBe("Shopping:\n- milk\n- *eggs*\n- bread www.bakery.nl\nThat's all");
    expect(toMarkup(parsed("- a\n"))).toBe("- a");
    expect(toMarkup(parsed("- a```b```"))).toBe("- a\n```b```");
  });

  it("percent-encodes mention ids and action params", () => {
    const mention = "hi <!!mention:user%201%2Fx|Alice Smith>!";
    expect(parsed(mention)).toStrictEqual(["hi ", { type: "mention", id: "user 1/x", text: "Alice Smith" }, "!"]);
    expect(toMarkup(parsed(mention))).toBe(mention);
    expect(toMarkup(parsed("<actionbutton:buy?qty=2&item=a%20b|Buy>"))).toBe("<actionbutton:buy?item=a%20b&qty=2|Buy>");
    expect(toMarkup(parsed("<actionlink:open?|x>"))).toBe("<actionlink:open|x>");
  });

  it("writes custom emoji in the long form where the bare one would not be read back", () => {
    expect(parsed("x<!!customemoji:cat>y")).toStrictEqual(["x", emoji(":cat:"), "y"]);
    expect(toMarkup(parsed("x<!!customemoji:cat>y"))).toBe("x<!!customemoji:cat>y");
    expect(toMarkup([emoji(":a:"), emoji(":b:")])).toBe("<!!customemoji:a><!!customemoji:b>");
    expect(toMarkup(["<!!mention:x ", emoji(":a:")])).toBe("<!!mention:x <!!customemoji:a>");
    expect(toMarkup(parsed("(:wave:) hi"))).toBe("(:wave:) hi");
  });

  it("recognises labelled links for the REST API only", () => {
    const s = "see <https://example.com/a?b=1|the *docs* at example.com>";
    expect(parsed(s)).toStrictEqual([
      "see ",
      { type: "link", url: "https://example.com/a?b=1", children: ["the ", bold("docs"), " at example.com"] },
    ]);
    expect(parse(s, USER)).toStrictEqual([
      "see <",
      autoLink("https://example.com/a?b=1", "https://example.com/a?b=1"),
      "|the ",
      bold("docs"),
      " at ",
      autoLink("https://example.com", "example.com"),
      ">",
    ]);
    expect(toMarkup(parse(s, REST))).toBe(s);
    expect(toMarkup(parse(s, USER))).toBe(s);
  });

  it("stops making nodes after 1,600 of them", () => {
    const nodes = parse("*a* ".repeat(3000), REST);
    expect(countTyped(nodes)).toBe(1600);
    const lines = parse("- x\n".repeat(3000), REST);
    expect(countTyped(lines)).toBe(1600);
    expect(parse(toMarkup(lines), REST)).toStrictEqual(lines);
  });
});

describe("plaintext", () => {
  const file = (subtype: FileBlock["subtype"], duration?: number): ContentBlock => ({
    type: "file",
    fileToken: "t",
    ...(subtype === undefined ? {} : { subtype }),
    url: "",
    size: 1,
    filename: "f.bin",
    ...(duration === undefined ? {} : { duration }),
  });

  it("projects every kind of block, as the server does", () => {
    const blocks: ContentBlock[] = [
      { type: "text", children: parse("*Hi* <!!mention:u1|Ann>, see <https://x.com|this> :cat:\n- a\n```c```", REST) },
      file("video"),
      file("image"),
      file("audio"),
      file("voice", 75.6),
      file(undefined),
      { type: "location", latitude: 1, longitude: 2 },
    ];
    expect(plaintext(blocks)).toBe(
      "Hi @Ann, see this :cat:\n- a\nc\n\n🎥 f.bin\n\n📷 f.bin\n\n🎧 f.bin\n\n🎙️ (1:16)\n\n📎 f.bin\n\n📍",
    );
  });

  it("rounds voice durations like Rust: half away from zero, saturating at u64::MAX", () => {
    expect(plaintext([file("voice", 59.5)])).toBe("🎙️ (1:00)");
    expect(plaintext([file("voice", 0.49999999999999994)])).toBe("🎙️ (0:00)");
    expect(plaintext([file("voice", -1)])).toBe("🎙️");
    expect(plaintext([file("voice", Number.NaN)])).toBe("🎙️");
    expect(plaintext([file("voice", 1e300)])).toBe("🎙️ (307445734561825860:15)");
  });

  it("keeps text without markup as it is", () => {
    fc.assert(
      fc.property(inertText, (s) => {
        expect(nodesPlaintext(parse(s, REST))).toBe(s);
        expect(toMarkup(parse(s, USER))).toBe(s);
      }),
    );
  });
});
