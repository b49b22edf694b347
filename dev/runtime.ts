/**
 * One channel's "Lambda environment" in `bun run dev`: a worker thread with its own process.env
 * (QUEUE_URL, SECRET_ARN, … exactly as the module sets them), running the channel's real ingress
 * handler behind a loopback HTTP server and its real worker handler fed by an SQS poller, the
 * way the event source mapping feeds it. Log lines and dequeued envelopes go to the main thread,
 * which draws the timeline.
 */
import { parentPort, workerData } from "node:worker_threads";
import { requestToEvent, resultToResponse } from "../emulators/api-gateway.ts";
import type { IngressHandler, WorkerHandler } from "../emulators/lambda.ts";
import { startPoller } from "./poller.ts";

/** What the main thread passes to a channel thread. */
export interface RuntimeData {
  readonly channel: string;
  readonly queueArn: string;
  /** The channel's send queue (its URL is SEND_QUEUE_URL): messages the agent starts. */
  readonly sendQueueArn: string;
  /** Pollers run side by side, like concurrent Lambda invocations (FIFO still orders each chat). */
  readonly concurrency: number;
}

/** Messages a channel thread posts to the main thread. */
export type RuntimeMessage =
  | { type: "ready"; channel: string; port: number }
  | { type: "log"; channel: string; entry: Record<string, unknown> }
  | { type: "dequeued"; channel: string; body: string; attempt: number; at: number }
  | { type: "fatal"; channel: string; error: string };

const data = workerData as RuntimeData;
const post = (message: RuntimeMessage) => parentPort?.postMessage(message);

// Structured log lines (one JSON object per line) go to the main thread; anything else is printed.
for (const method of ["log", "debug", "info", "warn", "error"] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    if (args.length === 1 && typeof args[0] === "string" && args[0].startsWith("{")) {
      try {
        post({ type: "log", channel: data.channel, entry: JSON.parse(args[0]) as Record<string, unknown> });
        return;
      } catch {
        // not one of ours
      }
    }
    original(...args);
  };
}

try {
  const ingress = (await import(`../handlers/${data.channel}/ingress.ts`)) as { handler?: IngressHandler };
  const worker = (await import(`../handlers/${data.channel}/worker.ts`)) as { handler: WorkerHandler };
  const ingressHandler = ingress.handler;
  const server = ingressHandler
    ? Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: async (request) => resultToResponse(await ingressHandler(await requestToEvent(request))),
      })
    : undefined;
  startPoller({
    queueUrl: process.env.QUEUE_URL ?? "",
    queueArn: data.queueArn,
    concurrency: data.concurrency,
    handler: worker.handler,
    onMessage: (body, attempt) =>
      post({ type: "dequeued", channel: data.channel, body, attempt, at: Date.now() }),
  });
  // The send queue's own event source mapping, into the same worker.
  startPoller({
    queueUrl: process.env.SEND_QUEUE_URL ?? "",
    queueArn: data.sendQueueArn,
    concurrency: 1,
    handler: worker.handler,
  });
  post({ type: "ready", channel: data.channel, port: server?.port ?? 0 });
} catch (error) {
  post({
    type: "fatal",
    channel: data.channel,
    error: error instanceof Error ? error.message : String(error),
  });
}
