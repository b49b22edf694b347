/**
 * Warm requests, one after another in one process as a warm Lambda container gets them, repeated in
 * fresh processes with the subjects interleaved; each figure is the median over the runs of that
 * run's percentile, with min and max. Two kinds of run per subject: with the SQS client replaced by
 * an in-process stub that answers at once (what is left is our own per-request work: routing, body,
 * signature, parsing, envelope, log line), and as deployed, with the real SDK against fauxqs on
 * loopback (what a warm request takes end to end here).
 */
import { runChild } from "./lib/node.ts";
import { distribution, type Summary, summarize } from "./lib/stats.ts";
import type { BenchStack, Subject } from "./stack.ts";

/** Warm figures of one subject: percentiles of per-request wall time, ms, over the runs. */
export interface WarmResult {
  readonly subject: Subject;
  /** With the in-process SQS stub. */
  readonly overheadP50: Summary;
  readonly overheadP99: Summary;
  /** With the real SDK and fauxqs on loopback. */
  readonly withSqsP50: Summary;
  readonly withSqsP99: Summary;
  readonly errors: string[];
}

/** Sizes of the runs. */
export interface WarmOptions {
  /** Fresh-process runs per subject and kind. */
  runs: number;
  /** Requests measured per run with the stub (after `warmup` unmeasured ones). */
  stubRequests: number;
  /** Requests measured per run against fauxqs. */
  sqsRequests: number;
  warmup: number;
}

interface WarmChild {
  wall: number[];
  statuses: Record<string, number>;
}

async function runOnce(
  stack: BenchStack,
  driver: string,
  subject: Subject,
  bundle: string,
  count: number,
  warmup: number,
  errors: string[],
): Promise<number[]> {
  const rig = stack.rigs.get(subject.channel);
  if (!rig) return [];
  const events: unknown[] = [];
  for (let i = 0; i < count + warmup; i++) events.push(await rig.event(`warm ${i}`, 1 + (i % 50)));
  const child = await runChild<WarmChild>(
    [driver],
    { bundle, events, warmup },
    { env: subject.env, timeoutMs: 180_000 },
  );
  if (!child.result) {
    errors.push(`warm run failed (exit ${child.code}): ${child.stderr.slice(-400)}`);
    return [];
  }
  const bad = Object.entries(child.result.statuses).filter(([status]) => !/^2\d\d$/.test(status));
  if (bad.length > 0) errors.push(`non-2xx answers: ${bad.map(([s, n]) => `${n}× ${s}`).join(", ")}`);
  return child.result.wall;
}

/** Measures every subject, `runs` times each kind, round-robin over the subjects. */
export async function measureWarm(
  stack: BenchStack,
  driver: string,
  options: WarmOptions,
): Promise<WarmResult[]> {
  const subjects = stack.subjects.filter((s) => s.kind !== "experiment");
  const raw = new Map<
    Subject,
    { p50: number[]; p99: number[]; sqsP50: number[]; sqsP99: number[]; errors: string[] }
  >();
  for (const subject of subjects) raw.set(subject, { p50: [], p99: [], sqsP50: [], sqsP99: [], errors: [] });
  for (let run = 0; run < options.runs; run++) {
    for (const subject of subjects) {
      const into = raw.get(subject);
      if (!into) continue;
      const stub = distribution(
        await runOnce(
          stack,
          driver,
          subject,
          subject.stubbed,
          options.stubRequests,
          options.warmup,
          into.errors,
        ),
      );
      const real = distribution(
        await runOnce(
          stack,
          driver,
          subject,
          subject.bundle,
          options.sqsRequests,
          options.warmup,
          into.errors,
        ),
      );
      if (stub.n > 0) {
        into.p50.push(stub.p50);
        into.p99.push(stub.p99);
      }
      if (real.n > 0) {
        into.sqsP50.push(real.p50);
        into.sqsP99.push(real.p99);
      }
    }
  }
  return subjects.map((subject) => {
    const r = raw.get(subject) ?? { p50: [], p99: [], sqsP50: [], sqsP99: [], errors: [] };
    return {
      subject,
      overheadP50: summarize(r.p50),
      overheadP99: summarize(r.p99),
      withSqsP50: summarize(r.sqsP50),
      withSqsP99: summarize(r.sqsP99),
      errors: [...new Set(r.errors)],
    };
  });
}
