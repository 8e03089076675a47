// Reports what a browser downloads for each entry (minified, then gzipped)
// and fails when the whole UI, our SDK included, is over its budget.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 80 * 1024;
const ENTRIES = [
  ["talk.js", "the classic Talk API + UI + SDK (what /talk.js serves)", true],
  ["chinwag-ui.js", "the custom elements + SDK (ESM)", true],
  ["demo.js", "the demo page", false],
  ["react.js", "React bindings (React excluded)", false],
];
let over = false;
for (const [file, what, budgeted] of ENTRIES) {
  const bytes = readFileSync(`dist/${file}`);
  const gz = gzipSync(bytes, { level: 9 }).length;
  const flag = budgeted && gz > BUDGET ? "  OVER BUDGET" : "";
  if (flag) over = true;
  console.log(
    `${file.padEnd(14)} ${String(bytes.length).padStart(7)} B min, ${String(gz).padStart(6)} B min+gzip${budgeted ? ` (budget ${BUDGET})` : ""}  ${what}${flag}`,
  );
}
if (over) process.exit(1);
