/**
 * The cost section of BENCHMARKS.md: the monthly cost of each example at 0, 1,000 and 1,000,000
 * messages, by service, from the cost model (cost.ts) fed with this run's measurements.
 */
import { ASSUMPTIONS, type ChannelFigures, examples, monthlyCost, PRICES, PRICES_NOTE } from "./cost.ts";
import { table } from "./lib/markdown.ts";
import type { RunResults } from "./results.ts";

/** Dollars with cents; tiny amounts as "< $0.01". */
export const dollars = (value: number) => (value < 0.005 && value > 0 ? "< $0.01" : `$${value.toFixed(2)}`);

/** The measured per-channel figures the cost model uses. */
export function costFigures(r: RunResults): Record<string, ChannelFigures> {
  const figures: Record<string, ChannelFigures> = {};
  // Measured on one channel's worker; every channel's worker is the same core loop.
  const workerBySize: Record<number, { ownMs: number; importMs: number }> = {};
  for (const size of r.workerSizes.results) {
    workerBySize[size.memoryMb] = {
      ownMs: size.warmMs.median - r.workerSizes.agentSeconds * 1000,
      importMs: size.importMs,
    };
  }
  for (const c of r.cold.results.filter((c) => c.subject.kind === "ours")) {
    const warm = r.warm.find((w) => w.subject.name === c.subject.name);
    const pipe = r.pipeline.find((p) => p.channel === c.subject.channel);
    figures[c.subject.channel] = {
      ingressWarmMs: warm?.withSqsP50.median ?? Number.NaN,
      ingressImportMs: c.importMs.median,
      ingressFirstMs: c.firstRequestMs.median,
      workerMs: pipe?.workerHandlerP50.median ?? Number.NaN,
      logBytes: pipe?.logBytesPerMessage.median ?? 500,
      workerBySize,
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
    `Assumptions where this machine cannot measure: the agent answers in ${a.agentSeconds} s and the worker is billed while it waits (the largest line; see the worker sizes above for what each size costs and how long it takes); an in-region AWS call takes ${a.awsCallMs} ms and a platform API call ${a.platformCallMs} ms (${a.platformCallsPerMessage} per message); the send ledger does ${a.ledgerCallsPerMessage} DynamoDB calls per message (${a.ledgerWru} WRU, ${a.ledgerRru} RRU), and WhatsApp's ingress one 1-WRU write per status callback; Lambda's event source long-polls each idle queue with ${a.idlePollers} pollers every ${a.longPollSeconds} s; every message meets a cold start at ≤ 10,000 messages a month and 1% do at 1,000,000; WhatsApp posts 3 status callbacks per reply and Slack echoes the bot's own message once, each an ingress call that queues nothing; the worker's own time and import at its size are those measured with that size's CPU share (worker sizes above); Lambda adds ${a.lambdaLogBytesPerInvocation} bytes of START/END/REPORT log lines per invocation. Measured in this run and used: the ingress's warm duration with SQS on loopback, its import and first request, the worker's own time per message, and the bytes of log lines per message. Sources of each example: ${examples()
      .map((e) => `${e.name}: ${e.source}`)
      .join("; ")}.`,
  ].join("\n");
}
