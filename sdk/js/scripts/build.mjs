// Builds the package: ESM and CJS bundles of src/index.ts (readable, not
// minified: bundlers downstream minify), and the type declarations.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
const common = { entryPoints: ["src/index.ts"], bundle: true, platform: "neutral", target: "es2022", sourcemap: true };
await build({ ...common, format: "esm", outfile: "dist/index.js" });
await build({ ...common, format: "cjs", outfile: "dist/index.cjs" });
execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
