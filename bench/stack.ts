/**
 * What every bench stage runs against, started once: fauxqs (SQS), fake Secrets Manager and a fake
 * AgentCore data plane (an instant JSON echo agent), every channel's fake platform API, and the
 * subjects — our ingress bundles and the peers — with the environment each one runs with.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FAKE_AGENT_RUNTIME_ARN, type FakeAgentCore, startAgentCore } from "../emulators/agentcore.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { type FakeSecretsManager, startSecretsManager } from "../emulators/secrets-manager.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../emulators/sqs.ts";
import { channels, rolesOf } from "../scripts/bundle.ts";
import { CHANNELS, type ChannelRig } from "./channels.ts";
import { bundleEntry, outRoot, root } from "./lib/build.ts";

/** Something whose cold start and per-request cost the bench measures: an ingress bundle. */
export interface Subject {
  /** Row label: the channel name, or the peer's name. */
  readonly name: string;
  /**
   * Ours, a peer framework, the floor (the bare SDK call every ingress carries), or an experiment (a
   * variant of ours testing a fix: cold starts only).
   */
  readonly kind: "ours" | "peer" | "floor" | "experiment";
  /** The channel whose rig builds its requests. */
  readonly channel: string;
  /** The bundle as deployed (ours: modules/<channel>/dist/ingress.mjs). */
  readonly bundle: string;
  /** The same entry bundled with the in-process SQS stub (warm overhead). */
  readonly stubbed: string;
  /** The handler environment (AWS endpoints, queue, secret or the peer's variables). */
  readonly env: Record<string, string | undefined>;
  /** Output bytes per package of `bundle`, when the bench built it (peers, floor, experiments). */
  readonly byPackage?: Record<string, number>;
}

/** A peer framework doing our ingress's job, bundled from bench/peers/. */
interface Peer {
  readonly name: string;
  readonly kind: "peer" | "floor";
  readonly file: string;
  readonly channel: string;
  env(rig: ChannelRig): Record<string, string>;
}

const PEERS: Peer[] = [
  {
    name: "grammY (peer)",
    kind: "peer",
    file: "grammy.ts",
    channel: "telegram",
    env: (rig) => ({
      BOT_TOKEN: rig.secret.bot_token ?? "",
      WEBHOOK_SECRET: rig.secret.webhook_secret ?? "",
    }),
  },
  {
    name: "Bolt (peer)",
    kind: "peer",
    file: "bolt.ts",
    channel: "slack",
    env: (rig) => ({
      SLACK_BOT_TOKEN: rig.secret.bot_token ?? "",
      SLACK_SIGNING_SECRET: rig.secret.signing_secret ?? "",
    }),
  },
  {
    name: "bare SDK handler (floor)",
    kind: "floor",
    file: "floor.ts",
    channel: "telegram",
    env: () => ({}),
  },
];

/** The running bench stack. */
export interface BenchStack {
  readonly sqs: LocalSqs;
  readonly secrets: FakeSecretsManager;
  readonly agentcore: FakeAgentCore;
  /** Started rigs by channel (only channels with an entry in bench/channels.ts). */
  readonly rigs: ReadonlyMap<string, ChannelRig>;
  /** Our ingress bundles first, then the peers whose channel has a rig. */
  readonly subjects: readonly Subject[];
  /** Channels with bundles, and what the bench could not do with them and why. */
  readonly notes: string[];
  /** Every channel with its roles and bundle paths (sizes, pipeline). */
  readonly bundles: readonly { channel: string; role: string; path: string }[];
  /** The environment of a channel's own handlers (ingress and worker) against `queue`. */
  channelEnv(channel: string, queue: FifoPair): Record<string, string | undefined>;
  close(): Promise<void>;
}

/** Starts the stack and builds the stubbed variants and the peers into .tmp/bench/. */
export async function startBenchStack(): Promise<BenchStack> {
  const [sqs, secrets, agentcore] = await Promise.all([startSqs(), startSecretsManager(), startAgentCore()]);
  const notes: string[] = [];
  const rigs = new Map<string, ChannelRig>();
  const bundles: { channel: string; role: string; path: string }[] = [];
  const subjects: Subject[] = [];
  const secretArns = new Map<string, string>();

  const channelEnv = (channel: string, queue: FifoPair) => ({
    ...awsTestEnv({ sqs, secrets, agentcore }),
    QUEUE_URL: queue.queueUrl,
    SECRET_ARN: secretArns.get(channel),
    AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
    MAX_RECEIVE_COUNT: "3",
    ALLOWED_USERS: "*",
    ...rigs.get(channel)?.env,
  });

  for (const channel of await channels()) {
    for (const role of await rolesOf(channel)) {
      const path = join(root, "modules", channel, "dist", `${role}.mjs`);
      if (existsSync(path)) bundles.push({ channel, role, path });
      else notes.push(`${channel}: no modules/${channel}/dist/${role}.mjs yet (run \`bun run build\`)`);
    }
    const hasIngress = bundles.some((b) => b.channel === channel && b.role === "ingress");
    if (!hasIngress) continue;
    const entry = CHANNELS[channel];
    if (!entry) {
      notes.push(`${channel}: ingress bundle found but no entry in bench/channels.ts, so it is not driven`);
      continue;
    }
    const rig = await entry.start();
    rigs.set(channel, rig);
    secretArns.set(channel, secrets.setSecret(`bench/${channel}`, rig.secret).arn);
  }

  const queue = await sqs.createFifoPair("bench-ingress");
  for (const { channel, role, path } of bundles) {
    if (role !== "ingress" || !rigs.has(channel)) continue;
    const stubbed = await bundleEntry(
      join(root, "handlers", channel, "ingress.ts"),
      join(outRoot, "stubbed", channel),
      "ingress.mjs",
      { stubSqs: true },
    );
    subjects.push({
      name: channel,
      kind: "ours",
      channel,
      bundle: path,
      stubbed: stubbed.path,
      env: { ...channelEnv(channel, queue), LOG_LEVEL: "info" },
    });
  }
  const telegram = subjects.find((s) => s.name === "telegram");
  if (telegram) {
    // The same bundle without Lambda's init-phase variable: the secret read falls to the first
    // request, as before it moved into the init phase.
    subjects.push({
      ...telegram,
      name: "telegram · nothing moved into init (experiment)",
      kind: "experiment",
      env: { ...telegram.env, AWS_LAMBDA_INITIALIZATION_TYPE: undefined },
    });
  }
  for (const peer of PEERS) {
    const rig = rigs.get(peer.channel);
    if (!rig) continue;
    const entry = join(import.meta.dir, "peers", peer.file);
    const name = peer.file.replace(/\.ts$/, ".mjs");
    const [built, stubbed] = await Promise.all([
      bundleEntry(entry, join(outRoot, "peers"), name),
      bundleEntry(entry, join(outRoot, "stubbed", "peers"), name, { stubSqs: true }),
    ]);
    subjects.push({
      name: peer.name,
      kind: peer.kind,
      channel: peer.channel,
      bundle: built.path,
      stubbed: stubbed.path,
      env: {
        ...awsTestEnv({ sqs, secrets, agentcore }),
        QUEUE_URL: queue.queueUrl,
        ...peer.env(rig),
      },
      byPackage: built.byPackage,
    });
  }

  return {
    sqs,
    secrets,
    agentcore,
    rigs,
    subjects,
    notes,
    bundles,
    channelEnv,
    async close() {
      await Promise.all([...rigs.values()].map((rig) => rig.close()));
      await Promise.all([sqs.close(), secrets.close(), agentcore.close()]);
    },
  };
}
