/**
 * `bun bench/render.ts`: writes BENCHMARKS.md again from the last full run's results
 * (.tmp/bench/results.json), for when only the report's wording or the cost model changed.
 */
import { join } from "node:path";
import { root } from "./lib/build.ts";
import { METHOD } from "./method.ts";
import { renderReport } from "./report.ts";
import type { RunResults } from "./results.ts";

const results = (await Bun.file(join(root, ".tmp", "bench", "results.json")).json()) as RunResults;
await Bun.write(join(root, "BENCHMARKS.md"), renderReport(results, METHOD));
console.log("BENCHMARKS.md written from .tmp/bench/results.json");
