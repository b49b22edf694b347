/**
 * Right-sizing the worker: the Telegram worker bundle handling messages one at a time, as one Lambda
 * environment does (batch size 1), with an agent that answers in `agentSeconds`, at each candidate
 * memory size with the CPU share Lambda gives that size (lib/cpu-share.ts). Per size: the import, the
 * first and the following messages' handler time (what Lambda bills, the agent's wait included), CPU
 * per message and peak resident memory.
 */
import { agentReply } from "../emulators/agentcore.ts";
import { lambdaCpuShare } from "./lib/cpu-share.ts";
import { runChild } from "./lib/node.ts";
import { type Summary, summarize } from "./lib/stats.ts";
import type { BenchStack } from "./stack.ts";

/** What one memory size gave. */
export interface WorkerSizeResult {
  readonly memoryMb: number;
  /** The CPU share the run had (memory ÷ 1,769 MB), or undefined when it ran unlimited (no cgroup). */
  readonly cpuShare: number | undefined;
  readonly importMs: number;
  /** The first message's handler call (clients made, first connections), ms. */
  readonly firstMs: number;
  /** The following messages' handler calls, ms. */
  readonly warmMs: Summary;
  /** CPU time of the whole process per message (import and poller included), ms. */
  readonly cpuMsPerMessage: number;
  /** Peak resident memory of the process, MB (its SQS poller included, which Lambda runs outside). */
  readonly maxRssMb: number;
  readonly errors: string[];
}

/** The sizes tried and how. */
export interface WorkerSizeReport {
  readonly channel: string;
  readonly agentSeconds: number;
  readonly messages: number;
  readonly results: WorkerSizeResult[];
}

interface WorkerChild {
  done: number;
  failed: number;
  importMs: number;
  handlerMs: number[];
  cpuMs: number;
  maxRssMb: number;
}

/** Runs the Telegram worker at each size in `sizesMb`, `messages` messages each. */
export async function measureWorkerSizes(
  stack: BenchStack,
  drivers: { ingressLoad: string; workerPool: string },
  options: { sizesMb: number[]; messages: number; agentSeconds: number },
): Promise<WorkerSizeReport> {
  const channel = "telegram";
  const rig = stack.rigs.get(channel);
  const ingress = stack.bundles.find((b) => b.channel === channel && b.role === "ingress");
  const worker = stack.bundles.find((b) => b.channel === channel && b.role === "worker");
  const results: WorkerSizeResult[] = [];
  if (!rig || !ingress || !worker) return { channel, ...options, results };
  stack.agentcore.setDefault((call) =>
    agentReply.json(
      { response: `answer to ${JSON.stringify(call.payload).slice(0, 40)}` },
      { delayMs: options.agentSeconds * 1000 },
    ),
  );
  try {
    for (const memoryMb of options.sizesMb) {
      const errors: string[] = [];
      const queue = await stack.sqs.createFifoPair(`bench-worker-${memoryMb}`);
      const env = {
        ...stack.channelEnv(channel, queue),
        LOG_LEVEL: "info",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
      };
      const events = [];
      for (let i = 0; i < options.messages; i++)
        events.push(await rig.event(`size ${memoryMb} m${i}`, 900 + i));
      const load = await runChild<{ statuses: Record<string, number> }>(
        [drivers.ingressLoad],
        { bundle: ingress.path, events, concurrency: 1 },
        { env },
      );
      if (!load.result) errors.push(`ingress failed: ${load.stderr.slice(-300)}`);
      const share = await lambdaCpuShare(memoryMb);
      if (!share) errors.push("cgroups not writable here: ran with the whole CPU, not the size's share");
      try {
        const pool = await runChild<WorkerChild>(
          [drivers.workerPool],
          {
            bundle: worker.path,
            queueUrl: queue.queueUrl,
            queueArn: queue.queueArn,
            pollers: 1,
            batchSize: 1,
            expected: options.messages,
            deadlineMs: options.messages * (options.agentSeconds + 20) * 1000,
          },
          { env, timeoutMs: options.messages * (options.agentSeconds + 30) * 1000, cgroup: share?.dir },
        );
        const r = pool.result;
        if (!r) {
          errors.push(`worker failed (exit ${pool.code}): ${pool.stderr.slice(-300)}`);
          continue;
        }
        if (r.done < options.messages) errors.push(`${options.messages - r.done} messages not done`);
        if (r.failed > 0) errors.push(`${r.failed} deliveries failed`);
        results.push({
          memoryMb,
          cpuShare: share?.share,
          importMs: r.importMs,
          firstMs: r.handlerMs[0] ?? Number.NaN,
          warmMs: summarize(r.handlerMs.slice(1)),
          cpuMsPerMessage: r.cpuMs / Math.max(1, r.done),
          maxRssMb: r.maxRssMb,
          errors,
        });
      } finally {
        await share?.close();
      }
    }
  } finally {
    stack.agentcore.reset();
  }
  return { channel, ...options, results };
}
