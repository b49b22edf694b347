/**
 * The platform side of the pipeline run: delivers signed webhooks to the ingress bundle with
 * `concurrency` requests in flight (Lambda runs concurrent invocations side by side), and records
 * when each was sent and how long its ack took. Job: `{ bundle, events, concurrency }`.
 */
import { context, cpuMs, importHandler, now, readJob, report, statusOf } from "./io.ts";

const job = await readJob<{ bundle: string; events: unknown[]; concurrency: number }>();
const handler = await importHandler(job.bundle);
const sentAt: number[] = new Array(job.events.length);
const ackMs: number[] = new Array(job.events.length);
const statuses: Record<string, number> = {};
let next = 0;
async function lane(): Promise<void> {
  while (next < job.events.length) {
    const index = next++;
    sentAt[index] = now();
    const status = statusOf(await handler(job.events[index], context()));
    ackMs[index] = now() - (sentAt[index] as number);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
}
await Promise.all(Array.from({ length: job.concurrency }, lane));
report({ sentAt, ackMs, statuses, cpuMs: cpuMs() });
