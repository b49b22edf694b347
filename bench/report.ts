/**
 * The report: one summary table (printed, and first in BENCHMARKS.md) with the budgets, then each
 * measurement in detail with its method, then the cost model. Plain Markdown tables.
 */
import { roundRatio } from "./cold.ts";
import { BASELINE_WORKER_MEMORY_MB, examples, perMillionMessages } from "./cost.ts";
import { costFigures, costSection, dollars } from "./cost-report.ts";
import { findings } from "./findings.ts";
import { table } from "./lib/markdown.ts";
import { kb, num, range } from "./lib/stats.ts";
import type { RunResults } from "./results.ts";
import {
  channelStreamingBudgetRows,
  channelStreamingSection,
  DISCORD_STREAMING_HOW,
  SLACK_STREAMING_HOW,
  streamingBudgetRows,
  streamingSection,
} from "./streaming-report.ts";

const ms = (value: number) => `${num(value)} ms`;
const mb = (value: number) => `${num(value)} MB`;
const verdict = (ok: boolean | undefined) => (ok === undefined ? "—" : ok ? "met" : "**missed**");

/** The budgets, as rows: what, target, measured, verdict. */
export function budgetRows(r: RunResults): string[][] {
  const rows: string[][] = [];
  const cold = r.cold.results;
  const bolt = cold.find((c) => c.subject.name.startsWith("Bolt"));
  const grammy = cold.find((c) => c.subject.name.startsWith("grammY"));
  for (const c of cold.filter((c) => c.subject.kind === "ours")) {
    for (const [of, peer, target, label] of [
      ["ack", grammy, 0.6, "≤ 0.6×"],
      ["ack", bolt, 0.4, "≤ 0.4×"],
      ["import", bolt, 1 / 3, "≤ 0.33×"],
      ["import", grammy, 1 / 1.5, "≤ 0.67×"],
    ] as const) {
      if (!peer) continue;
      const q = roundRatio(c, peer, of);
      const what = of === "ack" ? "cold ack (new process → 200)" : "import";
      rows.push([
        `${c.subject.name}: ${what} ÷ ${peer.subject.name.replace(/ \(peer\)$/, "")}'s, median of rounds`,
        label,
        `${q.median.toFixed(2)}× (${q.min.toFixed(2)}–${q.max.toFixed(2)})`,
        verdict(q.median <= target),
      ]);
    }
  }
  for (const w of r.warm.filter((w) => w.subject.kind === "ours")) {
    rows.push([
      `${w.subject.name}: warm overhead p99, median of runs (min–max)`,
      "≤ 1 ms",
      range(w.overheadP99, " ms"),
      w.overheadP99.median <= 1
        ? "met"
        : w.overheadP99.min <= 1
          ? "**missed** at the median; met in the quietest run"
          : "**missed**",
    ]);
  }
  const discord = cold.find((c) => c.subject.name === "discord");
  if (discord) {
    rows.push([
      "discord: cold ack (new process → 200), max of runs",
      "well under 3 s",
      ms(discord.coldAckMs.max),
      verdict(discord.coldAckMs.max < 1000),
    ]);
  }
  rows.push(...streamingBudgetRows(r.streaming));
  rows.push(...channelStreamingBudgetRows("slack", r.slackStreaming));
  rows.push(...channelStreamingBudgetRows("discord", r.discordStreaming));
  const telegramOnly = examples().find((e) => e.name === "telegram-only");
  if (telegramOnly && r.workerSizes.results.length > 0) {
    const figures = costFigures(r);
    const now = perMillionMessages(telegramOnly, figures);
    const before = perMillionMessages(telegramOnly, figures, BASELINE_WORKER_MEMORY_MB);
    rows.push([
      `telegram-only: cost per million messages at a ${r.workerSizes.agentSeconds} s agent ÷ the model at ${BASELINE_WORKER_MEMORY_MB} MB (before issue 21)`,
      "≤ 0.5×",
      `${(now / before).toFixed(2)}× (${dollars(now)} ÷ ${dollars(before)})`,
      verdict(now / before <= 0.5),
    ]);
  }
  for (const m of r.relay.filter((m) => !m.name.includes("peer"))) {
    rows.push([`${m.name}: RSS idle`, "≤ 64 MB", mb(m.idleMb.median), verdict(m.idleMb.median <= 64)]);
    rows.push([
      `${m.name}: RSS under ${m.rate} msg/s, peak`,
      "≤ 64 MB",
      mb(m.loadMb.max),
      verdict(m.loadMb.max <= 64),
    ]);
  }
  return rows;
}

function coldSection(r: RunResults): string {
  const bare = r.cold.bareNodeMs;
  const bolt = r.cold.results.find((c) => c.subject.name.startsWith("Bolt"));
  const grammy = r.cold.results.find((c) => c.subject.name.startsWith("grammY"));
  const rows = r.cold.results.map((c) => [
    c.subject.name,
    range(c.importMs),
    bolt ? `${roundRatio(c, bolt).median.toFixed(2)}×` : "—",
    grammy ? `${roundRatio(c, grammy).median.toFixed(2)}×` : "—",
    range(c.processMs),
    num(c.processMs.median - bare.median),
    range(c.firstRequestMs),
    range(c.coldAckMs),
    bolt ? `${roundRatio(c, bolt, "ack").median.toFixed(2)}×` : "—",
    grammy ? `${roundRatio(c, grammy, "ack").median.toFixed(2)}×` : "—",
    num(c.coldAckCpuMs.median),
    num(c.rssMb.median),
  ]);
  return [
    `### Cold start (${r.cold.rounds} rounds, interleaved; ms, median (min–max))`,
    "",
    `A bare \`node -e 0\` takes ${range(bare)} ms here.`,
    "",
    table(
      [
        "ingress",
        "import, in process",
        "÷ Bolt, per round",
        "÷ grammY, per round",
        "whole process",
        "− bare node",
        "first request",
        "cold ack (process + 1st request)",
        "ack ÷ Bolt",
        "ack ÷ grammY",
        "ack CPU ms",
        "RSS MB",
      ],
      rows,
    ),
  ].join("\n");
}

function sizeSection(r: RunResults): string {
  const rows = r.sizes.map((s) => {
    const sdk = s.groups["AWS SDK"] ?? 0;
    const others = Object.entries(s.groups)
      .filter(([name]) => name !== "AWS SDK")
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(", ");
    return [
      `${s.name}`,
      s.role,
      kb(s.bytes),
      kb(s.gzipBytes),
      `${kb(sdk)} (${Math.round((sdk / s.bytes) * 100)}%)`,
      others,
    ];
  });
  return [
    "### Bundle sizes (minified; gzip -9)",
    "",
    table(["bundle", "role", "minified", "gzipped", "of which AWS SDK", "largest other parts"], rows),
  ].join("\n");
}

function warmSection(r: RunResults): string {
  const rows = r.warm.map((w) => [
    w.subject.name,
    range(w.overheadP50),
    range(w.overheadP99),
    range(w.withSqsP50),
    range(w.withSqsP99),
  ]);
  return [
    `### Warm ingress, per request (ms; ${r.settings.warmRuns} runs of ${r.settings.warmRequests} requests after ${r.settings.warmup} unmeasured, median of the runs' percentile (min–max))`,
    "",
    table(["ingress", "overhead p50", "overhead p99", "with SQS on loopback p50", "p99"], rows),
  ].join("\n");
}

function pipelineSection(r: RunResults): string {
  const rows = r.pipeline.map((p) => [
    p.channel,
    `${p.replied}/${p.sent}`,
    range(p.perSecond),
    range(p.latencyP50),
    range(p.latencyP90),
    range(p.latencyP99),
    range(p.ackP50),
    range(p.ackP99),
    range(p.workerHandlerP50),
    `${num(p.cpuPerMessage.ingress.median)} / ${num(p.cpuPerMessage.worker.median)} / ${num(p.cpuPerMessage.stack.median)}`,
    num(p.logBytesPerMessage.median),
  ]);
  return [
    `### Local pipeline (${r.settings.pipelineRuns} runs of ${r.settings.pipelineMessages} messages per channel, ${r.settings.pipelineConcurrency} webhooks in flight, ${r.settings.pipelinePollers} pollers, batch ${r.settings.pipelineBatch}; median of runs (min–max))`,
    "",
    table(
      [
        "channel",
        "replied",
        "msg/s",
        "latency p50 ms",
        "p90",
        "p99",
        "ack p50 ms",
        "ack p99",
        "worker call p50 ms",
        "CPU ms/msg: ingress / worker / fakes",
        "log B/msg",
      ],
      rows,
    ),
  ].join("\n");
}

function workerSizeSection(r: RunResults): string {
  const w = r.workerSizes;
  const telegramOnly = examples().find((e) => e.name === "telegram-only");
  const figures = costFigures(r);
  const base = w.results.find((x) => x.memoryMb === BASELINE_WORKER_MEMORY_MB);
  const perMillion = (mb: number) =>
    telegramOnly ? perMillionMessages(telegramOnly, figures, mb) : Number.NaN;
  const rows = w.results.map((x) => [
    `${x.memoryMb}`,
    x.cpuShare === undefined ? "whole CPU" : `${(x.cpuShare * 100).toFixed(1)}%`,
    num(x.importMs),
    num(x.firstMs - w.agentSeconds * 1000),
    range({
      ...x.warmMs,
      median: x.warmMs.median - w.agentSeconds * 1000,
      min: x.warmMs.min - w.agentSeconds * 1000,
      max: x.warmMs.max - w.agentSeconds * 1000,
    }),
    base
      ? `${x.warmMs.median - base.warmMs.median >= 0 ? "+" : ""}${num(x.warmMs.median - base.warmMs.median)}`
      : "—",
    num(x.cpuMsPerMessage),
    num(x.maxRssMb),
    dollars(perMillion(x.memoryMb)),
    base ? `${(perMillion(x.memoryMb) / perMillion(base.memoryMb)).toFixed(2)}×` : "—",
  ]);
  return [
    `### Worker sizes (the ${w.channel} worker, ${w.messages} messages one at a time per size, an agent answering in ${w.agentSeconds} s, the CPU share Lambda gives each size)`,
    "",
    table(
      [
        "memory MB",
        "CPU share",
        "import ms",
        "first message: handler − agent wait, ms",
        "following messages: handler − agent wait, ms",
        `vs ${BASELINE_WORKER_MEMORY_MB} MB, ms`,
        "CPU ms/msg (process)",
        "peak RSS MB",
        "telegram-only per 1M msgs",
        `÷ ${BASELINE_WORKER_MEMORY_MB} MB`,
      ],
      rows,
    ),
  ].join("\n");
}

function relaySection(r: RunResults): string {
  const rows = r.relay.map((m) => [
    m.name,
    m.runtime,
    range(m.idleMb),
    range(m.loadMb),
    num(m.cpuMsPerMessage),
    `${m.delivered}/${m.sent}`,
  ]);
  return [
    `### The always-on relay: resident memory (MB, median (min–max) of 100 ms samples)`,
    "",
    `Bare runtimes, idle: Bun ${range(r.bareRuntimes.bun)}, Node ${range(r.bareRuntimes.node)}; Bun holding one SDK SQS client: ${range(r.bareRuntimes.bunWithSqs)}.`,
    "",
    table(
      [
        "process",
        "runtime",
        "idle, gateway connected",
        `under ${r.settings.relayRate} msg/s`,
        "CPU ms/msg",
        "in SQS",
      ],
      rows,
    ),
  ].join("\n");
}

/** The whole BENCHMARKS.md. */
export function renderReport(r: RunResults, method: string): string {
  const issues = [
    ...r.notes,
    ...r.cold.results.flatMap((c) => c.errors.map((e) => `cold ${c.subject.name}: ${e}`)),
    ...r.warm.flatMap((w) => w.errors.map((e) => `warm ${w.subject.name}: ${e}`)),
    ...r.pipeline.flatMap((p) => p.errors.map((e) => `pipeline ${p.channel}: ${e}`)),
    ...r.workerSizes.results.flatMap((x) => x.errors.map((e) => `worker at ${x.memoryMb} MB: ${e}`)),
    ...r.relay.flatMap((m) => m.errors.map((e) => `relay ${m.name}: ${e}`)),
    ...(r.streaming?.errors ?? []).map((e) => `streaming: ${e}`),
  ];
  return [
    "# Benchmarks",
    "",
    `Generated by \`${r.command}\` on ${r.date} in ${Math.round(r.seconds)} s. Machine: ${r.machine}.`,
    "Every comparison is a ratio of figures taken in this same run; rerun on your machine to compare your figures.",
    "",
    "## Budgets",
    "",
    table(["budget", "target", "measured", "verdict"], budgetRows(r)),
    "",
    "## What the figures say",
    "",
    findings(r),
    "",
    "## Measurements",
    "",
    coldSection(r),
    "",
    sizeSection(r),
    "",
    warmSection(r),
    "",
    pipelineSection(r),
    "",
    ...(r.streaming ? [streamingSection(r.streaming), ""] : []),
    ...(r.slackStreaming
      ? [channelStreamingSection("Slack", SLACK_STREAMING_HOW, r.slackStreaming), ""]
      : []),
    ...(r.discordStreaming
      ? [channelStreamingSection("Discord", DISCORD_STREAMING_HOW, r.discordStreaming), ""]
      : []),
    workerSizeSection(r),
    "",
    relaySection(r),
    "",
    "## Cost",
    "",
    costSection(r),
    "",
    "## Method",
    "",
    method,
    ...(issues.length > 0
      ? ["", "## Problems seen in this run", "", ...issues.map((i) => `- ${i.replace(/\n/g, " ")}`)]
      : []),
    "",
  ].join("\n");
}
