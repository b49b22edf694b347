/**
 * The report: one summary table (printed, and first in BENCHMARKS.md) with the budgets, then each
 * measurement in detail with its method, then the cost model. Plain Markdown tables.
 */
import type { ColdReport } from "./cold.ts";
import { ASSUMPTIONS, type ChannelFigures, examples, monthlyCost, PRICES, PRICES_NOTE } from "./cost.ts";
import type { Summary } from "./lib/stats.ts";
import { kb, num, range } from "./lib/stats.ts";
import type { PipelineResult } from "./pipeline.ts";
import type { MemoryResult } from "./relay-memory.ts";
import type { SizeRow } from "./sizes.ts";
import type { WarmResult } from "./warm.ts";

/** Everything one run measured. */
export interface RunResults {
  readonly machine: string;
  readonly date: string;
  readonly command: string;
  readonly seconds: number;
  readonly cold: ColdReport;
  readonly sizes: SizeRow[];
  readonly warm: WarmResult[];
  readonly pipeline: PipelineResult[];
  readonly relay: MemoryResult[];
  readonly bareRuntimes: { bun: Summary; node: Summary };
  readonly notes: string[];
  readonly settings: Record<string, number | string>;
}

/** A Markdown table. */
export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

const ms = (value: number) => `${num(value)} ms`;
const mb = (value: number) => `${num(value)} MB`;
const verdict = (ok: boolean | undefined) => (ok === undefined ? "—" : ok ? "met" : "**missed**");
const dollars = (value: number) => (value < 0.005 && value > 0 ? "< $0.01" : `$${value.toFixed(2)}`);

/** The budgets, as rows: what, target, measured, verdict. */
export function budgetRows(r: RunResults): string[][] {
  const rows: string[][] = [];
  const cold = r.cold.results;
  const bolt = cold.find((c) => c.subject.name.startsWith("Bolt"));
  const grammy = cold.find((c) => c.subject.name.startsWith("grammY"));
  for (const c of cold.filter((c) => c.subject.kind === "ours")) {
    if (bolt) {
      const q = c.importMs.median / bolt.importMs.median;
      rows.push([`${c.subject.name}: import vs Bolt's`, "≤ 0.33×", `${q.toFixed(2)}×`, verdict(q <= 1 / 3)]);
    }
    if (grammy) {
      const q = c.importMs.median / grammy.importMs.median;
      rows.push([
        `${c.subject.name}: import vs grammY's`,
        "≤ 0.67×",
        `${q.toFixed(2)}×`,
        verdict(q <= 1 / 1.5),
      ]);
    }
  }
  for (const w of r.warm.filter((w) => w.subject.kind === "ours")) {
    rows.push([
      `${w.subject.name}: warm overhead p99, median of runs (min–max)`,
      "≤ 1 ms",
      range(w.overheadP99, " ms"),
      verdict(w.overheadP99.median <= 1),
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
    bolt ? `${(c.importMs.median / bolt.importMs.median).toFixed(2)}×` : "—",
    grammy ? `${(c.importMs.median / grammy.importMs.median).toFixed(2)}×` : "—",
    range(c.processMs),
    num(c.processMs.median - bare.median),
    range(c.firstRequestMs),
    range(c.coldAckMs),
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
        "÷ Bolt",
        "÷ grammY",
        "whole process",
        "− bare node",
        "first request",
        "cold ack (process + 1st request)",
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
    `Bare runtimes, idle: Bun ${range(r.bareRuntimes.bun)}, Node ${range(r.bareRuntimes.node)}.`,
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

/** The measured per-channel figures the cost model uses. */
export function costFigures(r: RunResults): Record<string, ChannelFigures> {
  const figures: Record<string, ChannelFigures> = {};
  for (const c of r.cold.results.filter((c) => c.subject.kind === "ours")) {
    const warm = r.warm.find((w) => w.subject === c.subject);
    const pipe = r.pipeline.find((p) => p.channel === c.subject.channel);
    figures[c.subject.channel] = {
      ingressWarmMs: warm?.withSqsP50.median ?? Number.NaN,
      ingressImportMs: c.importMs.median,
      ingressFirstMs: c.firstRequestMs.median,
      workerMs: pipe?.workerHandlerP50.median ?? Number.NaN,
      logBytes: pipe?.logBytesPerMessage.median ?? 500,
    };
  }
  return figures;
}

/** The cost section: totals per example and volume, the 1M breakdown, prices and assumptions. */
export function costSection(r: RunResults): string {
  const figures = costFigures(r);
  const volumes = [0, 1_000, 1_000_000];
  const rows: string[][] = [];
  for (const example of examples()) {
    const line = (spot: boolean) =>
      volumes.map((v) => dollars(monthlyCost(example, figures, v, { spot }).total));
    rows.push([`${example.name} (${example.modules.join(", ")})`, ...line(false)]);
    if (example.modules.includes("relay"))
      rows.push([`${example.name}, relay on Fargate Spot`, ...line(true)]);
  }
  const services = new Set<string>();
  const breakdown = examples().map((example) => {
    const cost = monthlyCost(example, figures, 1_000_000);
    for (const s of Object.keys(cost.byService)) services.add(s);
    return { example, cost };
  });
  const serviceRows = [...services].map((service) => [
    service,
    ...breakdown.map((b) => dollars(b.cost.byService[service] ?? 0)),
  ]);
  const a = ASSUMPTIONS;
  return [
    "### Monthly cost per example",
    "",
    `${PRICES_NOTE}. Messages are split evenly between an example's channels.`,
    "",
    table(["example", "0 messages", "1,000 messages", "1,000,000 messages"], rows),
    "",
    "At 1,000,000 messages a month, by service:",
    "",
    table(["service", ...breakdown.map((b) => b.example.name)], serviceRows),
    "",
    "Prices used (USD): " +
      Object.entries(PRICES)
        .map(([k, v]) => `${k} ${v}`)
        .join("; ") +
      ".",
    "",
    `Assumptions where this machine cannot measure: the agent answers in ${a.agentSeconds} s and the worker is billed while it waits (the largest line: halve it with \`worker_memory_mb = 256\`, or with a faster agent); an in-region AWS call takes ${a.awsCallMs} ms and a platform API call ${a.platformCallMs} ms (${a.platformCallsPerMessage} per message); the send ledger does ${a.ledgerCallsPerMessage} DynamoDB calls per message (${a.ledgerWru} WRU, ${a.ledgerRru} RRU); Lambda's event source long-polls each idle queue with ${a.idlePollers} pollers every ${a.longPollSeconds} s; every message meets a cold start at ≤ 10,000 messages a month and 1% do at 1,000,000; WhatsApp posts 3 status callbacks per reply and Slack echoes the bot's own message once, each an ingress call that queues nothing; the worker's init takes as long as the ingress's import (not measured separately); Lambda adds ${a.lambdaLogBytesPerInvocation} bytes of START/END/REPORT log lines per invocation. Measured in this run and used: the ingress's warm duration with SQS on loopback, its import and first request, the worker's own time per message, and the bytes of log lines per message. Sources of each example: ${examples()
      .map((e) => `${e.name}: ${e.source}`)
      .join("; ")}.`,
  ].join("\n");
}

/** The whole BENCHMARKS.md. */
export function renderReport(r: RunResults, method: string): string {
  const issues = [
    ...r.notes,
    ...r.cold.results.flatMap((c) => c.errors.map((e) => `cold ${c.subject.name}: ${e}`)),
    ...r.warm.flatMap((w) => w.errors.map((e) => `warm ${w.subject.name}: ${e}`)),
    ...r.pipeline.flatMap((p) => p.errors.map((e) => `pipeline ${p.channel}: ${e}`)),
    ...r.relay.flatMap((m) => m.errors.map((e) => `relay ${m.name}: ${e}`)),
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
