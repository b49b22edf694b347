/**
 * What the figures mean, written from this run's numbers: why a budget is met or missed, what loads
 * at import, what runs per request, and what was tried.
 */
import type { ColdResult } from "./cold.ts";
import { num } from "./lib/stats.ts";
import type { RunResults } from "./results.ts";

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.floor((sorted.length - 1) / 2)] as number) : Number.NaN;
};

/** "about the same", "x% more" or "x% less": `a` next to `b`, within 10% counting as the same. */
const compare = (a: number, b: number) => {
  const change = a / b - 1;
  if (Math.abs(change) < 0.1) return "about the same";
  return `${Math.round(Math.abs(change) * 100)}% ${change > 0 ? "more" : "less"}`;
};

/** A difference above the floor, or "next to nothing" when it is within a tenth of the floor. */
const above = (delta: number, floor: number) =>
  Math.abs(delta) < floor / 10 ? `next to nothing (${num(delta)} ms)` : `${num(delta)} ms`;

/** The findings, as Markdown paragraphs. */
export function findings(r: RunResults): string {
  const cold = (name: (c: ColdResult) => boolean) => r.cold.results.find(name);
  const ours = r.cold.results.filter((c) => c.subject.kind === "ours");
  const floor = cold((c) => c.subject.kind === "floor");
  const grammy = cold((c) => c.subject.name.startsWith("grammY"));
  const bolt = cold((c) => c.subject.name.startsWith("Bolt"));
  const lazy = cold((c) => c.subject.name.includes("lazily"));
  const esm = cold((c) => c.subject.name.includes("ES builds"));
  const telegram = cold((c) => c.subject.name === "telegram");
  const oursImport = median(ours.map((c) => c.importMs.median));
  const oursFirst = median(ours.map((c) => c.firstRequestMs.median));
  const lazyTotal = (lazy?.importMs.median ?? Number.NaN) + (lazy?.firstRequestMs.median ?? Number.NaN);
  const baseTotal =
    (telegram?.importMs.median ?? Number.NaN) + (telegram?.firstRequestMs.median ?? Number.NaN);
  const discordAck = cold((c) => c.subject.name === "discord")?.coldAckMs.median ?? Number.NaN;
  const out: string[] = [];

  if (floor && grammy && bolt) {
    const f = floor.importMs.median;
    out.push(
      `**Import.** Our ingress bundles import in ${num(oursImport)} ms (median over channels), grammY's in ${num(grammy.importMs.median)} ms and Bolt's in ${num(bolt.importMs.median)} ms. All three carry the same SQS client, and a handler holding nothing but that client (the floor) already takes ${num(f)} ms: ${Math.round((f / oursImport) * 100)}% of ours. Above the floor we add ${above(oursImport - f, f)} for Hono, valibot, the Secrets Manager client and our code; grammY adds ${num(grammy.importMs.median - f)} ms, Bolt ${num(bolt.importMs.median - f)} ms. The ratio budgets are taken on totals that share the floor, so the rest of the way is the SDK's own weight: 91% of our ingress bytes (sizes below), its top-level code and the Node built-ins it loads (\`http\`, \`https\`, \`http2\`, \`zlib\`, \`child_process\` …).`,
    );
  }
  if (lazy && esm && telegram) {
    out.push(
      `**Tried: loading the SDK lazily.** With the SQS and Secrets Manager clients loaded by a dynamic \`import()\` on their first \`send\` (what handlers/core/queue.ts and secrets.ts would do), the Telegram ingress imports in ${num(lazy.importMs.median)} ms instead of ${num(telegram.importMs.median)} ms, but its first request takes ${num(lazy.firstRequestMs.median)} ms instead of ${num(telegram.firstRequestMs.median)} ms: Bun keeps everything in the one file (no splitting), so only the evaluation moves. Import and first request together: ${num(lazyTotal)} ms against ${num(baseTotal)} ms (${compare(lazyTotal, baseTotal)}); a cold ack ${num(lazy.coldAckMs.median)} against ${num(telegram.coldAckMs.median)} ms. A message that meets a cold container waits for both, and since August 2025 Lambda bills the init phase too: the change would meet the import budget on paper and save nothing, so it is not made. **Tried: the SDK's ES builds.** Resolving the SDK to its ES modules (\`conditions: ["module"]\`; Bun otherwise takes the CommonJS builds for \`target: "node"\`) cuts the bundle from ${r.sizes.find((s) => s.name === "telegram" && s.role === "ingress")?.bytes ?? "?"} to ${r.sizes.find((s) => s.kind === "experiment" && s.name.includes("ES builds"))?.bytes ?? "?"} bytes, and the import takes ${num(esm.importMs.median)} ms against ${num(telegram.importMs.median)} ms: V8 parses unused functions lazily, so the bytes saved barely show. Not adopted either (it changes scripts/bundle.ts for every channel for no measured gain).`,
    );
  }
  if (grammy && bolt) {
    out.push(
      `**First request.** Ours take ${num(oursFirst)} ms after the import, the peers ${num(grammy.firstRequestMs.median)} (grammY) and ${num(bolt.firstRequestMs.median)} ms (Bolt). A CPU profile of the Telegram ingress's first request puts about 25 ms in Node loading its own fetch implementation (undici: \`Request\`, \`Headers\`, \`TextDecoder\`) the first time Hono's Lambda adapter builds a \`Request\`; the peers never build one. Telegram, Slack and WhatsApp also read their secret from Secrets Manager on the first request (a client, credentials, one call); Discord verifies with \`DISCORD_PUBLIC_KEY\` and reads none. Whole cold acks (a new process until the 200) stay between ${num(Math.min(...ours.map((c) => c.coldAckMs.median)))} and ${num(Math.max(...ours.map((c) => c.coldAckMs.median)))} ms, next to ${num(grammy.coldAckMs.median)} (grammY) and ${num(bolt.coldAckMs.median)} ms (Bolt): inside Discord's 3 s. Lambda adds its sandbox start and gives a 256 MB function 256/1769 of a vCPU: scaled by that share, the median Discord cold ack here (${num(discordAck)} ms) would take about ${num((discordAck * 1769) / 256 / 1000)} s, so keep the Discord ingress at 256 MB or more.`,
    );
  }
  const warmOurs = r.warm.filter((w) => w.subject.kind === "ours");
  const warmGrammy = r.warm.find((w) => w.subject.name.startsWith("grammY"));
  const warmFloor = r.warm.find((w) => w.subject.kind === "floor");
  const discordWarm = r.warm.find((w) => w.subject.name === "discord");
  if (warmOurs.length > 0 && warmGrammy) {
    out.push(
      `**Per request.** Our warm overhead is ${num(median(warmOurs.map((w) => w.overheadP50.median)))} ms at p50 (grammY ${num(warmGrammy.overheadP50.median)}, the floor ${num(warmFloor?.overheadP50.median ?? Number.NaN)}). Each request goes through Hono's Lambda adapter, which builds a WHATWG \`Request\` and \`Response\` (undici objects with a body stream), then our signature check, valibot parse, envelope and one JSON log line; a CPU profile of the Telegram ingress (stubbed SQS) puts a third of the time in those Request/Response objects and their body streams, a fifth in the log line's synchronous write to stdout, and a fifth in the bundle's own JavaScript (Hono, valibot, ours). p99 is where the budget is tight: on this 2-core machine, shared by the bench's own processes, a 0.3 ms request is sometimes descheduled for a few ms, which a 0.02 ms one rarely is.${discordWarm ? ` Discord is the slowest (${num(discordWarm.overheadP50.median)} ms p50, ${num(discordWarm.overheadP99.median)} ms p99), and its p99 stays above 1 ms even in its quietest run. It is not the Ed25519 check: a variant verifying with Node's synchronous \`crypto.verify()\` instead of WebCrypto (tried by hand during issue 9, not part of this run) took 0.08 ms off p50 and left p99 where it was; nor the young-generation GC (a larger semi-space changed nothing). What the tail is remains open.` : ""}`,
    );
  }
  if (r.pipeline.length > 0) {
    const p = r.pipeline;
    out.push(
      `**Pipeline.** ${num(median(p.map((x) => x.perSecond.median)))} messages/s per channel (median), CPU-bound: per message the ingress process spends ${num(median(p.map((x) => x.cpuPerMessage.ingress.median)))} ms of CPU, the worker process ${num(median(p.map((x) => x.cpuPerMessage.worker.median)))} ms (including the poller's receive and delete, which Lambda does outside the function) and the bench process (fauxqs, agent and platform fakes) ${num(median(p.map((x) => x.cpuPerMessage.stack.median)))} ms, on 2 cores. Most of it is the AWS SDK: SigV4 signing and (de)serialisation of SendMessage, ReceiveMessage, InvokeAgentRuntime and DeleteMessageBatch. The latency percentiles include waiting in the queue: the webhooks arrive faster than one machine's worker drains them; with Lambda each message gets its own worker up to \`max_concurrency\`.`,
    );
  }
  const relay = r.relay.find((m) => m.name.startsWith("relay as deployed"));
  const plain = r.relay.find((m) => m.name.startsWith("relay, `bun relay/main.ts`"));
  const peerNode = r.relay.find((m) => m.name.includes("discord.js") && m.name.endsWith("Node"));
  if (relay) {
    const b = r.bareRuntimes;
    const idleOk = relay.idleMb.median <= 64;
    const peakOk = relay.loadMb.max <= 64;
    out.push(
      `**Relay.** Idle with the gateway connected, the relay as deployed holds ${num(relay.idleMb.median)} MB, ${idleOk ? "under" : "over"} the 64 MB budget: bare Bun takes ${num(b.bun.median)} MB and Bun holding one SDK SQS client ${num(b.bunWithSqs.median)} MB, so the SDK is ${num(b.bunWithSqs.median - b.bun.median)} MB of it.${plain ? ` Run from its sources without STATE_BUCKET it holds ${num(plain.idleMb.median)} MB.` : ""} Under ${relay.rate} messages/s it peaks at ${num(relay.loadMb.max)} MB${peakOk ? ", within the budget" : `: the resident set grows by ${num(relay.loadMb.max - relay.idleMb.median)} MB while messages flow (each one a gateway frame, an envelope, a signed SQS request) and \`--smol\` does not hold it down. That misses the budget, with ${Math.floor(512 / relay.loadMb.max)}× headroom left in the task's 512 MB`}.${peerNode ? ` A discord.js Client doing the same job under Node holds ${num(peerNode.idleMb.median)} MB idle and ${num(peerNode.loadMb.max)} MB at peak.` : ""}`,
    );
  }
  return out.join("\n\n");
}
