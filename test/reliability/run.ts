/**
 * `bun run reliability [channel …]`: the whole reliability and security suite at full size. Prints the
 * figures, writes them to RELIABILITY.md (only for a run over every channel) and the raw figures to
 * .tmp/reliability.json; exits 1 when a must-be-zero figure is not.
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { machineLine, renderReport } from "./report.ts";
import { FULL, mustBeZero, runSuite } from "./suite.ts";

const only = process.argv.slice(2);
const figures = await runSuite(only.length > 0 ? { ...FULL, channels: only } : FULL);
const node = execFileSync("node", ["--version"]).toString().trim();
const report = renderReport(figures, {
  command: ["bun run reliability", ...only].join(" "),
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  machine: machineLine(`node ${node}`),
});
console.log(report);
await mkdir(".tmp", { recursive: true });
await writeFile(".tmp/reliability.json", JSON.stringify(figures, null, 1));
if (only.length === 0) await writeFile("RELIABILITY.md", report);
const failed = Object.values(mustBeZero(figures)).some((n) => n !== 0);
process.exit(failed ? 1 : 0);
