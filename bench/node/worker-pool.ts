/**
 * The Lambda side of the pipeline run: `pollers` SQS event source pollers (Lambda's
 * maximum_concurrency), each receiving a batch from the FIFO queue, calling the worker bundle, and
 * deleting what it did not report as failed — until `expected` messages are done or the deadline.
 * Job: `{ bundle, queueUrl, queueArn, pollers, batchSize, expected, deadlineMs, timeoutMs? }` (timeoutMs: the
 * function's timeout, default 30 s).
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { pollSqsOnce } from "../../emulators/lambda.ts";
import { cpuMs, importHandler, readJob, report } from "./io.ts";

interface Job {
  bundle: string;
  queueUrl: string;
  queueArn: string;
  pollers: number;
  batchSize: number;
  expected: number;
  deadlineMs: number;
  timeoutMs?: number;
}

const job = await readJob<Job>();
const importStart = performance.now();
const imported = await importHandler(job.bundle);
const importMs = performance.now() - importStart;
const handlerMs: number[] = [];
/** Peak resident memory, sampled after each handler call (getrusage's maxRSS would count the spawning parent). */
let peakRss = process.memoryUsage().rss;
/** The worker as Lambda bills it: the handler call alone (receive and delete are the poller's). */
const handler = async (event: unknown, context: unknown) => {
  const t = performance.now();
  try {
    return await imported(event, context);
  } finally {
    handlerMs.push(performance.now() - t);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
};
const client = new SQSClient({});
const deadline = Date.now() + job.deadlineMs;
let done = 0;
let failed = 0;
let invocations = 0;

async function poller(): Promise<void> {
  while (done < job.expected && Date.now() < deadline) {
    const poll = await pollSqsOnce({ client }, job.queueUrl, job.queueArn, handler as never, {
      maxMessages: job.batchSize,
      waitTimeSeconds: 1,
      timeoutMs: job.timeoutMs ?? 30_000,
    });
    if (!poll.invoked) continue;
    invocations++;
    done += poll.deleted.length;
    failed += poll.failed.length;
  }
}
await Promise.all(Array.from({ length: job.pollers }, poller));
client.destroy();
report({
  done,
  failed,
  invocations,
  importMs,
  handlerMs,
  cpuMs: cpuMs(),
  rssMb: process.memoryUsage().rss / 2 ** 20,
  maxRssMb: Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20,
});
