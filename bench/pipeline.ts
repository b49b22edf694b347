/**
 * The local pipeline under load, per channel: signed webhooks into the real ingress bundle (one node
 * process, `concurrency` requests in flight), fauxqs, the real worker bundle polled by `pollers`
 * event-source pollers (a second node process), the instant echo agent and the channel's fake
 * platform API (both in the bench's own process, with fauxqs). Throughput is replies over the time
 * from the first webhook to the last reply; latency is webhook sent → reply received, per message.
 */

import type { ChannelRig } from "./channels.ts";
import { runChild } from "./lib/node.ts";
import { type Distribution, distribution, type Summary, summarize } from "./lib/stats.ts";
import type { BenchStack } from "./stack.ts";

/** What one channel's runs gave; each figure is the median over the runs (min–max). */
export interface PipelineResult {
  readonly channel: string;
  readonly runs: number;
  /** Messages sent and replied to, over all runs. */
  readonly sent: number;
  readonly replied: number;
  /** Replies per second, first webhook to last reply. */
  readonly perSecond: Summary;
  /** Webhook sent → reply at the fake platform, ms: each run's p50, p90, p99. */
  readonly latencyP50: Summary;
  readonly latencyP90: Summary;
  readonly latencyP99: Summary;
  /** Webhook sent → ingress answered (the platform's ack), ms. */
  readonly ackP50: Summary;
  readonly ackP99: Summary;
  /** The worker handler call per batch (what Lambda bills, with an instant agent), p50, ms. */
  readonly workerHandlerP50: Summary;
  /** CPU time per message, ms: ingress process, worker process, bench process (fauxqs + fakes). */
  readonly cpuPerMessage: { ingress: Summary; worker: Summary; stack: Summary };
  /** Resident memory of the worker process at the end (all pollers together), MB. */
  readonly workerRssMb: Summary;
  /** Bytes the two handlers wrote to stdout per message (their CloudWatch log lines). */
  readonly logBytesPerMessage: Summary;
  readonly errors: string[];
}

/** One run's figures. */
interface RunFigures {
  sent: number;
  replied: number;
  perSecond: number;
  latency: Distribution;
  ack: Distribution;
  workerHandler: Distribution;
  cpu: { ingress: number; worker: number; stack: number };
  workerRssMb: number;
  logBytes: number;
}

/** Size of the runs. */
export interface PipelineOptions {
  runs: number;
  messages: number;
  conversations: number;
  concurrency: number;
  pollers: number;
  batchSize: number;
}

interface IngressChild {
  sentAt: number[];
  ackMs: number[];
  statuses: Record<string, number>;
  cpuMs: number;
}
interface WorkerChild {
  done: number;
  failed: number;
  handlerMs: number[];
  cpuMs: number;
  rssMb: number;
}

let runs = 0;

async function runOnce(
  stack: BenchStack,
  drivers: { ingressLoad: string; workerPool: string },
  options: PipelineOptions,
  channel: string,
  rig: ChannelRig,
  bundles: { ingress: string; worker: string },
  errors: string[],
): Promise<RunFigures> {
  const run = ++runs;
  const marker = new RegExp(`r${run}m(\\d+)\\b`);
  const queue = await stack.sqs.createFifoPair(`bench-pipeline-${channel}-${run}`);
  const env = { ...stack.channelEnv(channel, queue), LOG_LEVEL: "info" };
  const events: unknown[] = [];
  for (let i = 0; i < options.messages; i++) {
    events.push(await rig.event(`hello r${run}m${i}`, 1 + (i % options.conversations)));
  }

  const cpuBefore = process.cpuUsage();
  const [load, pool] = await Promise.all([
    runChild<IngressChild>(
      [drivers.ingressLoad],
      { bundle: bundles.ingress, events, concurrency: options.concurrency },
      { env, timeoutMs: 120_000 },
    ),
    runChild<WorkerChild>(
      [drivers.workerPool],
      {
        bundle: bundles.worker,
        queueUrl: queue.queueUrl,
        queueArn: queue.queueArn,
        pollers: options.pollers,
        batchSize: options.batchSize,
        expected: options.messages,
        deadlineMs: 90_000,
      },
      { env, timeoutMs: 120_000 },
    ),
  ]);
  const cpu = process.cpuUsage(cpuBefore);
  if (!load.result) errors.push(`ingress process failed (exit ${load.code}): ${load.stderr.slice(-400)}`);
  if (!pool.result) errors.push(`worker process failed (exit ${pool.code}): ${pool.stderr.slice(-400)}`);
  const bad = Object.entries(load.result?.statuses ?? {}).filter(([s]) => !/^2\d\d$/.test(s));
  if (bad.length > 0) errors.push(`ingress answered ${bad.map(([s, n]) => `${n}× ${s}`).join(", ")}`);
  if (pool.result?.failed) errors.push(`${pool.result.failed} worker deliveries failed and were retried`);

  const sentAt = load.result?.sentAt ?? [];
  const repliedAt = new Map<number, number>();
  for (const reply of rig.replies()) {
    const index = Number(marker.exec(reply.text)?.[1] ?? Number.NaN);
    if (Number.isInteger(index) && !repliedAt.has(index)) repliedAt.set(index, reply.at);
  }
  const latencies = [...repliedAt].map(([index, at]) => at - (sentAt[index] ?? at));
  const first = Math.min(...sentAt);
  const last = Math.max(...repliedAt.values());
  const replied = repliedAt.size;
  if (replied < options.messages) errors.push(`${options.messages - replied} messages got no reply`);
  return {
    sent: options.messages,
    replied,
    perSecond: replied > 0 ? replied / ((last - first) / 1000) : 0,
    latency: distribution(latencies),
    ack: distribution(load.result?.ackMs ?? []),
    workerHandler: distribution(pool.result?.handlerMs ?? []),
    cpu: {
      ingress: (load.result?.cpuMs ?? Number.NaN) / options.messages,
      worker: (pool.result?.cpuMs ?? Number.NaN) / options.messages,
      stack: (cpu.user + cpu.system) / 1000 / options.messages,
    },
    workerRssMb: pool.result?.rssMb ?? Number.NaN,
    logBytes: (load.stdoutBytes + pool.stdoutBytes) / options.messages,
  };
}

/** Runs the pipeline `runs` times per channel that has both bundles and a rig, channels interleaved. */
export async function measurePipeline(
  stack: BenchStack,
  drivers: { ingressLoad: string; workerPool: string },
  options: PipelineOptions,
): Promise<PipelineResult[]> {
  const channels: { channel: string; rig: ChannelRig; bundles: { ingress: string; worker: string } }[] = [];
  for (const [channel, rig] of stack.rigs) {
    const ingress = stack.bundles.find((b) => b.channel === channel && b.role === "ingress");
    const worker = stack.bundles.find((b) => b.channel === channel && b.role === "worker");
    if (ingress && worker)
      channels.push({ channel, rig, bundles: { ingress: ingress.path, worker: worker.path } });
  }
  const figures = new Map<string, RunFigures[]>();
  const errors = new Map<string, string[]>();
  for (let run = 0; run < options.runs; run++) {
    for (const { channel, rig, bundles } of channels) {
      const into = errors.get(channel) ?? [];
      errors.set(channel, into);
      const result = await runOnce(stack, drivers, options, channel, rig, bundles, into);
      figures.set(channel, [...(figures.get(channel) ?? []), result]);
    }
  }
  return channels.map(({ channel }) => {
    const f = figures.get(channel) ?? [];
    const of = (pick: (r: RunFigures) => number) => summarize(f.map(pick));
    return {
      channel,
      runs: f.length,
      sent: f.reduce((n, r) => n + r.sent, 0),
      replied: f.reduce((n, r) => n + r.replied, 0),
      perSecond: of((r) => r.perSecond),
      latencyP50: of((r) => r.latency.p50),
      latencyP90: of((r) => r.latency.p90),
      latencyP99: of((r) => r.latency.p99),
      ackP50: of((r) => r.ack.p50),
      ackP99: of((r) => r.ack.p99),
      workerHandlerP50: of((r) => r.workerHandler.p50),
      cpuPerMessage: {
        ingress: of((r) => r.cpu.ingress),
        worker: of((r) => r.cpu.worker),
        stack: of((r) => r.cpu.stack),
      },
      workerRssMb: of((r) => r.workerRssMb),
      logBytesPerMessage: of((r) => r.logBytes),
      errors: [...new Set(errors.get(channel) ?? [])],
    };
  });
}
