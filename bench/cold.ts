/**
 * Cold starts, in fresh node processes, rounds interleaved across subjects so a noisy neighbour
 * weighs on all of them alike: the whole process (spawn to exit, importing the bundle) next to a bare
 * `node -e 0`; the import alone, timed inside the process; and the first request (import + one
 * signed request: SDK clients made, credentials resolved, the secret fetched, SQS on loopback).
 */

import { runChild } from "./lib/node.ts";
import { type Summary, summarize } from "./lib/stats.ts";
import type { BenchStack, Subject } from "./stack.ts";

/** Cold-start figures of one subject, each over the rounds. */
export interface ColdResult {
  readonly subject: Subject;
  /** Spawn to exit of a process that only imports the bundle, ms. */
  readonly processMs: Summary;
  /** `await import()` of the bundle inside the process, ms. */
  readonly importMs: Summary;
  /** The import time of each round by round number (NaN where that round failed), for per-round ratios. */
  readonly importByRound: number[];
  /** The first request's handler call after the import, ms. */
  readonly firstRequestMs: Summary;
  /** Spawn to exit of a process that imports and handles the first request: a cold ack, ms. */
  readonly coldAckMs: Summary;
  /** The cold ack of each round by round number (NaN where that round failed), for per-round ratios. */
  readonly ackByRound: number[];
  /** CPU time of the cold-ack process (user + system), ms. */
  readonly coldAckCpuMs: Summary;
  /** Resident memory after the first request, MB. */
  readonly rssMb: Summary;
  /** Problems seen (a non-2xx status, a crash), with the child's stderr tail. */
  readonly errors: string[];
}

/** Cold-start results, and the bare node process they are compared with. */
export interface ColdReport {
  readonly bareNodeMs: Summary;
  readonly results: ColdResult[];
  readonly rounds: number;
}

interface ColdChild {
  importMs: number;
  firstMs?: number;
  status?: number;
  cpuMs?: number;
  rssMb: number;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Runs `rounds` interleaved rounds of cold starts over every subject. */
export async function measureCold(stack: BenchStack, driver: string, rounds: number): Promise<ColdReport> {
  const bare: number[] = [];
  const raw = new Map<
    Subject,
    {
      process: number[];
      import: number[];
      importByRound: number[];
      first: number[];
      ack: number[];
      ackByRound: number[];
      cpu: number[];
      rss: number[];
      errors: string[];
    }
  >();
  for (const subject of stack.subjects)
    raw.set(subject, {
      process: [],
      import: [],
      importByRound: Array(rounds).fill(Number.NaN),
      first: [],
      ack: [],
      ackByRound: Array(rounds).fill(Number.NaN),
      cpu: [],
      rss: [],
      errors: [],
    });
  let conversation = 0;

  for (let round = 0; round < rounds; round++) {
    const jobs: (() => Promise<void>)[] = [
      async () => {
        bare.push((await runChild(["-e", "0"], undefined)).wallMs);
      },
    ];
    for (const subject of stack.subjects) {
      const into = raw.get(subject);
      if (!into) continue;
      jobs.push(async () => {
        const run = await runChild<ColdChild>([driver], { bundle: subject.bundle }, { env: subject.env });
        if (!run.result) into.errors.push(`import failed (exit ${run.code}): ${run.stderr.slice(-400)}`);
        else {
          into.process.push(run.wallMs);
          into.import.push(run.result.importMs);
          into.importByRound[round] = run.result.importMs;
        }
      });
      const rig = stack.rigs.get(subject.channel);
      if (!rig) continue;
      jobs.push(async () => {
        const event = await rig.event(`cold start ${round}`, ++conversation);
        const run = await runChild<ColdChild>(
          [driver],
          { bundle: subject.bundle, event },
          { env: subject.env },
        );
        const status = run.result?.status ?? 0;
        if (!run.result || run.result.firstMs === undefined || status < 200 || status > 299) {
          into.errors.push(`first request: status ${status}, exit ${run.code}: ${run.stderr.slice(-400)}`);
          return;
        }
        into.first.push(run.result.firstMs);
        into.ack.push(run.wallMs);
        into.ackByRound[round] = run.wallMs;
        if (run.result.cpuMs !== undefined) into.cpu.push(run.result.cpuMs);
        into.rss.push(run.result.rssMb);
      });
    }
    for (const job of shuffle(jobs)) await job();
  }

  return {
    rounds,
    bareNodeMs: summarize(bare),
    results: stack.subjects.map((subject) => {
      const r = raw.get(subject) ?? {
        process: [],
        import: [],
        importByRound: [],
        first: [],
        ack: [],
        ackByRound: [],
        cpu: [],
        rss: [],
        errors: [],
      };
      return {
        subject,
        processMs: summarize(r.process),
        importMs: summarize(r.import),
        importByRound: r.importByRound,
        firstRequestMs: summarize(r.first),
        coldAckMs: summarize(r.ack),
        ackByRound: r.ackByRound,
        coldAckCpuMs: summarize(r.cpu),
        rssMb: summarize(r.rss),
        errors: [...new Set(r.errors)],
      };
    }),
  };
}

/**
 * `a`'s import time (or cold ack, `of: "ack"`) over `b`'s, taken round by round (the two ran seconds
 * apart, under the same load) and summarized over the rounds: steadier on a busy machine than a
 * ratio of medians.
 */
export function roundRatio(a: ColdResult, b: ColdResult, of: "import" | "ack" = "import"): Summary {
  const key = of === "import" ? "importByRound" : "ackByRound";
  const ratios = a[key]
    .map((ms, round) => ms / (b[key][round] ?? Number.NaN))
    .filter((q) => Number.isFinite(q));
  return summarize(ratios);
}
