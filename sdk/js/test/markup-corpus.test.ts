// The corpus shared with the server (tests/markup/corpus.json at the
// repository root): its expected nodes come from the Rust parser, and the
// server's test suite checks them too, so passing here means both parsers
// agree on every case.
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import type { TextNode } from "../src/markup/index.js";
import { parse } from "../src/markup/index.js";

interface CorpusCase {
  name: string;
  text: string;
  options: "rest" | "user";
  nodes: TextNode[];
}

const corpus: CorpusCase[] = JSON.parse(
  readFileSync(new URL("../../../tests/markup/corpus.json", import.meta.url), "utf8"),
);

describe("markup corpus shared with the server", () => {
  for (const { name, text, options, nodes } of corpus) {
    it(name, () => {
      expect(parse(text, { linksAndActions: options === "rest" })).toStrictEqual(nodes);
    });
  }
});
