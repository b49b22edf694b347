/**
 * `bun run bench`: every measurement side by side in one run on this machine, then one summary table
 * on stdout and the full report in BENCHMARKS.md. Loopback only; bounded in time (a few minutes).
 * `BENCH_QUICK=1` runs a small version of everything (a minute), `BENCH_NODE` picks the node binary.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { measureCold } from "./cold.ts";
import { measureDiscordStreaming } from "./discord-streaming.ts";
import { buildDrivers, root } from "./lib/build.ts";
import { table } from "./lib/markdown.ts";
import { nodeBinary, nodeVersion } from "./lib/node.ts";
import { METHOD } from "./method.ts";
import { measurePipeline } from "./pipeline.ts";
import { readmeCost, withReadmeCost } from "./readme-cost.ts";
import { measureBareRuntimes, measureRelayMemory } from "./relay-memory.ts";
import { budgetRows, renderReport } from "./report.ts";
import type { RunResults } from "./results.ts";
import { measureSizes } from "./sizes.ts";
import { measureSlackStreaming } from "./slack-streaming.ts";
import { startBenchStack } from "./stack.ts";
import { measureStreaming } from "./streaming.ts";
import { measureWarm } from "./warm.ts";
import { measureWorkerSizes } from "./worker-size.ts";

const quick = process.env.BENCH_QUICK === "1";
const settings = {
  coldRounds: quick ? 3 : 10,
  warmRuns: quick ? 2 : 5,
  warmRequests: quick ? 500 : 2000,
  sqsRequests: quick ? 100 : 300,
  warmup: quick ? 100 : 300,
  pipelineRuns: quick ? 1 : 3,
  pipelineMessages: quick ? 100 : 500,
  pipelineConversations: 50,
  pipelineConcurrency: 16,
  pipelinePollers: 10,
  pipelineBatch: 1,
  workerSizesMb: quick ? "128,192,512" : "128,160,192,256,512",
  workerSizeMessages: quick ? 2 : 4,
  agentSeconds: 5,
  relayIdleSeconds: quick ? 2 : 5,
  relayLoadSeconds: quick ? 3 : 60,
  relayRate: 100,
  streamingRounds: quick ? 1 : 3,
  streamingAnswers: quick ? 3 : 5,
  streamingAgentSeconds: 5,
  streamingPieceMs: 100,
  streamingLongSeconds: quick ? 10 : 30,
};

const started = performance.now();
const loadAtStart = loadavg()[0] ?? Number.NaN;
const step = (what: string) =>
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${what}`);

const node = await nodeVersion();
const machine = `${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, ${process.platform}/${process.arch}; handlers run in Node ${node} (${nodeBinary() === "node" ? "the system's" : "from bench/node_modules"}), the bench and the relay in Bun ${Bun.version}`;

step("building the peers, the stubbed-SQS variants and the drivers");
const drivers = await buildDrivers();
const stack = await startBenchStack();
let results: RunResults;
try {
  step(`cold starts: ${settings.coldRounds} rounds over ${stack.subjects.map((s) => s.name).join(", ")}`);
  const cold = await measureCold(stack, drivers.cold, settings.coldRounds);
  step("bundle sizes");
  const sizes = await measureSizes(stack);
  step("warm requests");
  const warm = await measureWarm(stack, drivers.warm, {
    runs: settings.warmRuns,
    stubRequests: settings.warmRequests,
    sqsRequests: settings.sqsRequests,
    warmup: settings.warmup,
  });
  step("local pipeline");
  const pipeline = await measurePipeline(stack, drivers, {
    runs: settings.pipelineRuns,
    messages: settings.pipelineMessages,
    conversations: settings.pipelineConversations,
    concurrency: settings.pipelineConcurrency,
    pollers: settings.pipelinePollers,
    batchSize: settings.pipelineBatch,
  });
  step("streamed answers on Telegram");
  const streaming = await measureStreaming(
    stack,
    drivers,
    {
      ingress: join(root, "modules", "telegram", "dist", "ingress.mjs"),
      worker: join(root, "modules", "telegram", "dist", "worker.mjs"),
    },
    {
      rounds: settings.streamingRounds,
      answers: settings.streamingAnswers,
      agentSeconds: settings.streamingAgentSeconds,
      pieceMs: settings.streamingPieceMs,
      longSeconds: settings.streamingLongSeconds,
    },
  );
  step("streamed answers on Slack");
  const slackStreaming = await measureSlackStreaming(
    stack,
    drivers,
    {
      ingress: join(root, "modules", "slack", "dist", "ingress.mjs"),
      worker: join(root, "modules", "slack", "dist", "worker.mjs"),
    },
    {
      rounds: settings.streamingRounds,
      answers: settings.streamingAnswers,
      agentSeconds: settings.streamingAgentSeconds,
      pieceMs: settings.streamingPieceMs,
      longSeconds: settings.streamingLongSeconds,
    },
  );
  step("streamed answers on Discord");
  const discordStreaming = await measureDiscordStreaming(
    stack,
    drivers,
    join(root, "modules", "discord", "dist", "worker.mjs"),
    {
      rounds: settings.streamingRounds,
      answers: settings.streamingAnswers,
      agentSeconds: settings.streamingAgentSeconds,
      pieceMs: settings.streamingPieceMs,
      longSeconds: settings.streamingLongSeconds,
    },
  );
  step(`worker sizes: ${settings.workerSizesMb} MB, each with its CPU share`);
  const workerSizes = await measureWorkerSizes(stack, drivers, {
    sizesMb: settings.workerSizesMb.split(",").map(Number),
    messages: settings.workerSizeMessages,
    agentSeconds: settings.agentSeconds,
  });
  step("relay memory");
  const relay = await measureRelayMemory(stack.sqs, {
    idleSeconds: settings.relayIdleSeconds,
    loadSeconds: settings.relayLoadSeconds,
    rate: settings.relayRate,
  });
  const bareRuntimes = await measureBareRuntimes();
  const loadAtEnd = loadavg()[0] ?? Number.NaN;
  const busy = Math.max(loadAtStart, loadAtEnd) > cpus().length;
  const load = `load average ${loadAtStart.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} at the end${busy ? ` (over ${cpus().length}: other processes were competing for the cores)` : ""}`;
  results = {
    machine: `${machine}; ${load}`,
    date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    command: quick ? "BENCH_QUICK=1 bun run bench" : "bun run bench",
    seconds: (performance.now() - started) / 1000,
    cold,
    sizes,
    warm,
    pipeline,
    streaming,
    slackStreaming,
    discordStreaming,
    workerSizes,
    relay,
    bareRuntimes,
    notes: stack.notes,
    settings,
  };
} finally {
  await stack.close();
}

await Bun.write(
  join(root, ".tmp", "bench", quick ? "results.quick.json" : "results.json"),
  JSON.stringify(results),
);
const report = renderReport(results, METHOD);
const out = join(root, quick ? ".tmp/bench/BENCHMARKS.quick.md" : "BENCHMARKS.md");
await Bun.write(out, report);
if (!quick) {
  // The README's cost table comes from the same model and run.
  const readme = join(root, "README.md");
  await Bun.write(readme, withReadmeCost(await Bun.file(readme).text(), readmeCost(results)));
}
console.log(table(["budget", "target", "measured", "verdict"], budgetRows(results)));
console.log(`\nFull report: ${out.replace(`${root}/`, "")} (${Math.round(results.seconds)} s)`);
