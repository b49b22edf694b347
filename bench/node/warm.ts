/**
 * Warm requests, one after another as a warm Lambda container gets them, each handler call timed with
 * performance.now(). Job: `{ bundle, events, warmup }`; the first `warmup` calls are not kept.
 */
import { context, importHandler, readJob, report, statusOf } from "./io.ts";

const job = await readJob<{ bundle: string; events: unknown[]; warmup: number }>();
const handler = await importHandler(job.bundle);
const wall: number[] = [];
const statuses: Record<string, number> = {};
for (const [index, event] of job.events.entries()) {
  const t = performance.now();
  const status = statusOf(await handler(event, context()));
  const ms = performance.now() - t;
  statuses[status] = (statuses[status] ?? 0) + 1;
  if (index >= job.warmup) wall.push(Math.round(ms * 1000) / 1000);
}
report({ wall, statuses });
