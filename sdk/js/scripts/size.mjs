// Reports the package's size as an application would ship it (the ESM build,
// minified, then gzipped) and fails over the budget.
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

const BUDGET = 25 * 1024;
const out = await build({
  entryPoints: ["src/index.ts"],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  write: false,
});
const min = out.outputFiles[0].contents;
const gz = gzipSync(min, { level: 9 }).length;
console.log(`@chinwag/core: ${min.length} bytes minified, ${gz} bytes min+gzip (budget ${BUDGET})`);
if (gz > BUDGET) {
  console.error(`over the budget by ${gz - BUDGET} bytes`);
  process.exit(1);
}
