/**
 * The whole suite, at a given size: for every channel that exists, the ingress fuzz, the forgeries and
 * the worker drain of what the fuzz queued (in this process, one channel at a time: the bundles read
 * process.env), the fault simulation with and without the send ledger (in child processes, all at
 * once), workers killed mid-stream on every platform that streams (Telegram in stream-kills.ts; Slack, Discord and
 * WhatsApp in stream-kills-platforms.ts), the security checks over the modules, and the
 * scan of every log line for secrets.
 */

import { startDynamo } from "../../emulators/dynamodb.ts";
import { type ChannelTarget, discover } from "./channels/index.ts";
import type { ChannelProfile } from "./channels/profile.ts";
import { type DrainFigures, drainFuzzQueue } from "./drain.ts";
import { type ForgeryFigures, runForgeries } from "./forgery.ts";
import { type FuzzFigures, runFuzz } from "./fuzz.ts";
import { LogCapture, type SecretHit } from "./logs.ts";
import { type PersonalFigures, runPersonal } from "./personal.ts";
import { startRig } from "./rig.ts";
import { checkModules, type SecurityFigures } from "./security.ts";
import { runSimulation, type SimConfig, type SimFigures } from "./sim.ts";
import type { FaultRates } from "./sim-faults.ts";
import { runStreamKills, type StreamKillFigures } from "./stream-kills.ts";
import { type PlatformKillFigures, runPlatformKills } from "./stream-kills-platforms.ts";

/** How big a run is. */
export interface SuiteSize {
  readonly seed: number;
  readonly fuzzCases: number;
  readonly forgeries: number;
  readonly sim: Omit<SimConfig, "seed" | "ledger">;
  /** Also run the simulation without the send ledger, to show what it changes. */
  readonly withoutLedger: boolean;
  /** Policies to run the simulation (with the ledger) under (default: allowlist only). */
  readonly policies?: readonly ("allowlist" | "pairing")[];
  /** Channels to run (default: every channel found). */
  readonly channels?: readonly string[];
  /** Channels to run the fault simulation for (default: the same). */
  readonly simChannels?: readonly string[];
  /** Messages to the personal WhatsApp account, from allowed users and strangers (0: not run). */
  readonly personalMessages: number;
  /** Streamed Telegram answers whose worker is killed mid-stream (0: not run). */
  readonly streamKills: number;
  /** The same on Slack, Discord and WhatsApp, per channel (0 or undefined: not run). */
  readonly platformStreamKills?: number;
}

/** The faults of the full run, as shares of the events they hit. */
export const FULL_FAULTS: FaultRates = {
  agent: 0.2,
  doomed: 0.03,
  refused: 0.03,
  platform: 0.1,
  hang: 0.008,
  killAfterSend: 0.02,
  killBeforeSend: 0.02,
  crash: 0.04,
  thrown: 0.02,
  sqsDown: 0.1,
  duplicate: 0.05,
};

/** `bun run reliability`. */
export const FULL: SuiteSize = {
  seed: 1,
  fuzzCases: 10_000,
  forgeries: 1_000,
  personalMessages: 600,
  streamKills: 30,
  platformStreamKills: 12,
  withoutLedger: true,
  policies: ["allowlist", "pairing"],
  sim: {
    conversations: 40,
    messagesPerConversation: 8,
    strangerEvery: 8,
    pollers: 4,
    functionTimeoutMs: 3_000,
    // The modules use ≥ 6 × the function timeout (room for Lambda's own retries when throttled); here a
    // killed instance is gone at once, so 2 × changes nothing but the wait after a kill.
    visibilityTimeoutSeconds: 6,
    backoffDivisor: 30,
    maxReceiveCount: 3,
    redeliveries: 20,
    faults: FULL_FAULTS,
    timeLimitMs: 180_000,
  },
};

/** Everything one run found. */
export interface SuiteFigures {
  readonly size: SuiteSize;
  readonly channels: readonly { channel: string; skipped: string | undefined }[];
  readonly fuzz: readonly FuzzFigures[];
  readonly forgeries: readonly ForgeryFigures[];
  readonly drains: readonly (DrainFigures & { channel: string })[];
  readonly sims: readonly SimFigures[];
  /** The personal WhatsApp account (undefined when not run, or its channel was left out). */
  readonly personal: PersonalFigures | undefined;
  /** Workers killed mid-stream (undefined when not run, or Telegram was left out). */
  readonly streamKills: StreamKillFigures | undefined;
  /** The same on Slack, Discord and WhatsApp (those run). */
  readonly platformKills: readonly PlatformKillFigures[];
  readonly security: SecurityFigures;
  readonly logLines: number;
  readonly unstructuredLogLines: number;
  readonly secretsScanned: number;
  readonly secretHits: readonly SecretHit[];
  readonly ms: number;
}

async function ingressPart(
  target: ChannelTarget,
  profile: ChannelProfile,
  size: SuiteSize,
  logs: LogCapture,
) {
  const allowed = profile.users.allowed(0);
  // The worker as the modules deploy it by default: pairing, with the relay's table; the allowed user is the
  // admin, so every stranger the fuzz makes up asks for a code (and the admin is asked) and none may reach the agent.
  const dynamo = await startDynamo();
  const env = {
    LEDGER_TABLE: await dynamo.createLedgerTable("fuzz-ledger"),
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    ACCESS_POLICY: "pairing",
    ADMINS: allowed,
  };
  const rig = await startRig(profile, { allowedUsers: allowed, logs, env });
  try {
    const fuzz = await runFuzz(rig, { cases: size.fuzzCases, seed: size.seed });
    const drained = await drainFuzzQueue(rig, logs, new Set([allowed]));
    const forgeries = await runForgeries(rig, { count: size.forgeries, seed: size.seed + 1 });
    return { fuzz, forgeries, drain: { ...drained, channel: target.channel } };
  } finally {
    await rig.close();
    await dynamo.close();
  }
}

/** Runs the suite. */
export async function runSuite(size: SuiteSize): Promise<SuiteFigures> {
  const started = performance.now();
  const logs = new LogCapture();
  const targets = (await discover()).filter((t) => !size.channels || size.channels.includes(t.channel));
  const covered = targets.filter((t) => t.makeProfile !== undefined);
  const hidden = new Map<string, string>([
    ["AWS secret access key (test)", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
  ]);

  const fuzz: FuzzFigures[] = [];
  const forgeries: ForgeryFigures[] = [];
  const drains: (DrainFigures & { channel: string })[] = [];
  for (const target of covered) {
    const profile = await (target.makeProfile as () => Promise<ChannelProfile>)();
    for (const [label, value] of profile.hidden) hidden.set(label, value);
    const part = await ingressPart(target, profile, size, logs);
    fuzz.push(part.fuzz);
    forgeries.push(part.forgeries);
    drains.push(part.drain);
    if (profile.issuedSecrets) logs.hide(profile.issuedSecrets());
  }
  // The simulations run in child processes, a channel at a time (with and without the ledger at
  // once): more would starve the function instances on a small machine and time them out.
  const sims: SimFigures[] = [];
  for (const target of covered.filter((t) => !size.simChannels || size.simChannels.includes(t.channel))) {
    const variants = [
      ...(size.policies ?? ["allowlist"]).map((policy) => ({ ledger: true, policy })),
      ...(size.withoutLedger ? [{ ledger: false, policy: "allowlist" as const }] : []),
    ];
    const runs = variants.map(async ({ ledger, policy }) => {
      const profile = await (target.makeProfile as () => Promise<ChannelProfile>)();
      return runSimulation(profile, { ...size.sim, seed: size.seed, ledger, policy }, logs);
    });
    sims.push(...(await Promise.all(runs)));
  }
  const personal =
    size.personalMessages > 0 && (!size.channels || size.channels.includes("whatsapp-personal"))
      ? await runPersonal({ seed: size.seed, messages: size.personalMessages }, logs)
      : undefined;
  const streamKills =
    size.streamKills > 0 && (!size.channels || size.channels.includes("telegram"))
      ? await runStreamKills({ seed: size.seed, runs: size.streamKills }, logs)
      : undefined;
  const killChannels = ["slack", "discord", "whatsapp"].filter(
    (c) => !size.channels || size.channels.includes(c),
  );
  const platformKills =
    (size.platformStreamKills ?? 0) > 0 && killChannels.length > 0
      ? await runPlatformKills({ seed: size.seed, runs: size.platformStreamKills ?? 0 }, logs, killChannels)
      : [];
  const security = await checkModules();
  const secretHits = logs.scan(hidden);
  return {
    size,
    channels: targets.map((t) => ({ channel: t.channel, skipped: t.skipped })),
    fuzz,
    forgeries,
    drains,
    sims,
    personal,
    streamKills,
    platformKills,
    security,
    logLines: logs.lines.length,
    unstructuredLogLines: logs.unstructured().length,
    secretsScanned: hidden.size + logs.runtimeHidden.size,
    secretHits,
    ms: Math.round(performance.now() - started),
  };
}

/** The figures that must be zero, by name; a run passes when every one is. */
export function mustBeZero(figures: SuiteFigures): Record<string, number> {
  const sum = <T>(list: readonly T[], pick: (item: T) => number) =>
    list.reduce((n, item) => n + pick(item), 0);
  const ledgerSims = figures.sims.filter((s) => s.ledger);
  return {
    "fuzz defects": sum(figures.fuzz, (f) => f.defects.length),
    "accepted forgeries": sum(figures.forgeries, (f) => f.accepted),
    "genuine controls refused": sum(figures.forgeries, (f) => f.genuineRejected),
    "worker threw on fuzzed messages": sum(figures.drains, (d) => d.threw),
    "envelopes the worker could not read": sum(figures.drains, (d) => d.invalidEnvelopes),
    "fuzzed messages the worker could not settle": sum(figures.drains, (d) => d.leftOver),
    "strangers reaching the agent":
      sum(figures.drains, (d) => d.strangerAgentCalls) +
      sum(figures.sims, (s) => s.strangerAgentCalls) +
      (figures.personal?.strangerAgentCalls ?? 0),
    "strangers answered on the personal account":
      (figures.personal?.strangersAnswered ?? 0) + (figures.personal?.strangersQueued ?? 0),
    "messages lost": sum(figures.sims, (s) => s.lost),
    "answers out of order": sum(figures.sims, (s) => s.outOfOrder),
    "messages unfinished at the time limit": sum(figures.sims, (s) => s.unfinished),
    "answered again after done (ledger on)": sum(ledgerSims, (s) => s.answeredAgainAfterDone),
    "answered twice, outcome knowable (ledger on)": sum(
      ledgerSims,
      (s) => s.answeredTwice - s.answeredTwiceUnknowable,
    ),
    "redeliveries answered again (ledger on)": sum(ledgerSims, (s) => s.redeliveredAnsweredAgain),
    "answers duplicated or lost after a worker killed mid-stream (outcome knowable)":
      (figures.streamKills?.duplicated ?? 0) +
      (figures.streamKills?.lost ?? 0) +
      sum(figures.platformKills, (k) => k.duplicated + k.lost),
    "streams left open after a worker killed mid-stream (outcome knowable)": sum(
      figures.platformKills,
      (k) => k.leftOpen,
    ),
    "drafts left showing after a streamed answer": figures.streamKills?.draftsLeft ?? 0,
    "finished streams sent again on redelivery":
      (figures.streamKills?.redeliveredSends ?? 0) +
      (figures.streamKills?.redeliveredAgentCalls ?? 0) +
      sum(figures.platformKills, (k) => k.redeliveredSends + k.redeliveredAgentCalls),
    "secret values in logs": figures.secretHits.length,
    "unstructured log lines": figures.unstructuredLogLines,
    "security problems in the modules": figures.security.problems.length,
  };
}
