// Builds the UI's shipped files into dist/, which is committed: the server
// embeds them (crates/chinwag-server/src/assets.rs), so a fresh machine runs
// the UI without Node. `--check` builds into a temporary directory and fails
// when dist/ differs from it (CI runs that, so dist/ never goes stale).
//
//   talk.js          the classic `Talk` API for <script> tags (IIFE), served as /talk.js
//   talk.mjs         the same as a module for bundlers (default export)
//   chinwag-ui.js    the custom elements (ESM), served as /ui/chinwag-ui.js
//   react.js         thin React bindings (ESM; React stays the app's)
//   demo.js, index.html   the demo served at /
//
// Every file also gets .gz and .br siblings, so the server sends them
// compressed without compressing on each request.

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

import { build } from "esbuild";

const check = process.argv.includes("--check");
const out = check ? mkdtempSync(join(tmpdir(), "chinwag-ui-")) : "dist";

const common = {
  bundle: true,
  minify: true,
  target: ["es2022", "chrome111", "firefox113", "safari16.4"],
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
  alias: { "@chinwag/core": "../sdk/js/src/index.ts" },
};

if (!check) rmSync(out, { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: ["src/classic/loader.ts"], format: "iife", outfile: join(out, "talk.js") }),
  build({ ...common, entryPoints: ["src/classic/module.ts"], format: "esm", outfile: join(out, "talk.mjs") }),
  build({ ...common, entryPoints: ["src/index.ts"], format: "esm", outfile: join(out, "chinwag-ui.js") }),
  build({ ...common, entryPoints: ["src/demo/demo.ts"], format: "esm", outfile: join(out, "demo.js") }),
  build({
    ...common,
    entryPoints: ["src/react/index.tsx"],
    format: "esm",
    outfile: join(out, "react.js"),
    external: ["react", "react/jsx-runtime"],
    jsx: "automatic",
  }),
]);
cpSync("src/demo/index.html", join(out, "index.html"));

for (const name of readdirSync(out)) {
  if (name.endsWith(".gz") || name.endsWith(".br")) continue;
  const bytes = readFileSync(join(out, name));
  // gzip's header carries no timestamp from Node, and brotli has none, so
  // the same input always gives the same bytes.
  writeFileSync(join(out, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  writeFileSync(
    join(out, `${name}.br`),
    brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }),
  );
}

if (check) {
  const differ = [];
  const names = new Set([...readdirSync(out), ...readdirSync("dist")]);
  for (const name of names) {
    let a = null;
    let b = null;
    try {
      a = readFileSync(join(out, name));
    } catch {}
    try {
      b = readFileSync(join("dist", name));
    } catch {}
    if (!a || !b || !a.equals(b)) differ.push(name);
  }
  rmSync(out, { recursive: true, force: true });
  if (differ.length > 0) {
    console.error(`web/dist is stale (rebuild with \`npm run build\` in web/ and commit it): ${differ.join(", ")}`);
    process.exit(1);
  }
  console.log("web/dist matches the sources");
}
