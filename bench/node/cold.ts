/**
 * One cold start, in a fresh node process: import the bundle (timed in-process), then optionally
 * handle one request (the first request: SDK clients made, credentials resolved, secret fetched,
 * SQS called). Job: `{ bundle, event? }`.
 */
import { context, cpuMs, importHandler, readJob, report, statusOf } from "./io.ts";

const job = await readJob<{ bundle: string; event?: unknown }>();
const start = performance.now();
const handler = await importHandler(job.bundle);
const importMs = performance.now() - start;
let firstMs: number | undefined;
let status: number | undefined;
if (job.event !== undefined) {
  const t = performance.now();
  status = statusOf(await handler(job.event, context()));
  firstMs = performance.now() - t;
}
report({ importMs, firstMs, status, cpuMs: cpuMs(), rssMb: process.memoryUsage().rss / 2 ** 20 });
