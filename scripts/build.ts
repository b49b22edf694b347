/**
 * `bun run build`: regenerates everything that is generated and committed — the Lambda bundles
 * (modules/<channel>/dist/*.mjs), the Terraform modules and their READMEs. Deterministic: with no
 * change to the sources, the outputs are byte-identical (test/bundles.test.ts and the modules' tests
 * check that the committed ones are fresh). What is generated, and why: docs/architecture.md.
 */
import { relative } from "node:path";
import { bundleAll } from "./bundle.ts";
import { synthAll } from "./synth.ts";

const root = new URL("..", import.meta.url).pathname;
for (const path of await bundleAll())
  console.log(`bundled ${relative(root, path)} (${Bun.file(path).size} bytes)`);
await synthAll();
console.log("synthesized modules/*");
