/**
 * The always-on part's memory: the relay from its sources (`bun relay/main.ts`) and as its image runs it
 * (the bundle relay/build.ts makes, under `bun --smol`, its session state in S3: fauxqs's here), with a
 * fake Discord gateway connected, idle and then under a steady stream of direct messages, next
 * to a discord.js Client (bench/peers/discordjs.ts) doing the same job against its own fake gateway,
 * under Node and under Bun. Resident memory is read from /proc/<pid>/status (VmRSS) every 100 ms, CPU
 * from /proc/<pid>/stat. Every message must reach SQS, or the run reports it. (The relay's README
 * quotes bench/relay-memory-idle.ts, an idle-only check of the same processes.)
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { DEFAULT_DISCORD_TOKEN, startDiscordGateway } from "../emulators/discord-gateway.ts";
import { messageCreate } from "../emulators/discord-interactions.ts";
import type { LocalSqs } from "../emulators/sqs.ts";
import { buildRelay, RUNTIME } from "../relay/build.ts";
import { bundleEntry, outRoot, root } from "./lib/build.ts";
import { lambdaBaseEnv, nodeBinary, nodeVersion } from "./lib/node.ts";
import { type Summary, summarize } from "./lib/stats.ts";

/** The S3 bucket (on fauxqs) the deployed relay keeps its Discord session in. */
const STATE_BUCKET_NAME = "bench-relay-state";

/** One process's figures. */
export interface MemoryResult {
  readonly name: string;
  readonly runtime: string;
  /** RSS with the gateway connected and nothing happening, MB. */
  readonly idleMb: Summary;
  /** RSS while `rate` messages/s arrive, MB. */
  readonly loadMb: Summary;
  /** Messages per second under load. */
  readonly rate: number;
  /** CPU time per message under load, ms. */
  readonly cpuMsPerMessage: number;
  readonly delivered: number;
  readonly sent: number;
  readonly errors: string[];
}

/** Timing of the run. */
export interface MemoryOptions {
  idleSeconds: number;
  loadSeconds: number;
  /** Messages per second under load. */
  rate: number;
}

const PAGE_MS = 1000 / 100; // clock ticks per second on Linux (USER_HZ = 100)

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * PAGE_MS; // utime + stime
}

async function sample(pid: number, seconds: number, during?: () => void): Promise<number[]> {
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  let tick = 0;
  while (performance.now() < end) {
    if (tick++ % 10 === 0) samples.push(await rssMb(pid));
    during?.();
    await Bun.sleep(10);
  }
  return samples;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await Bun.sleep(50);
  }
  return false;
}

/** One contender: how to start it against a gateway and a queue. */
interface Contender {
  name: string;
  runtime: string;
  spawn(env: Record<string, string>, apiUrl: string): Subprocess | Promise<Subprocess>;
}

async function measure(contender: Contender, sqs: LocalSqs, options: MemoryOptions): Promise<MemoryResult> {
  const errors: string[] = [];
  const gateway = await startDiscordGateway({ heartbeatIntervalMs: 41_250 });
  const queue = await sqs.createFifoPair(`bench-relay-${contender.name.replace(/\W+/g, "-")}`);
  const env = Object.fromEntries(
    Object.entries({ ...lambdaBaseEnv(), ...awsTestEnv({ sqs }) }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  const child = await contender.spawn(
    { ...env, LOG_LEVEL: "warn", QUEUE_URL: queue.queueUrl },
    gateway.apiUrl,
  );
  const sent = options.rate * options.loadSeconds;
  let dispatched = 0;
  try {
    await gateway.ready(15_000);
    const idle = await sample(child.pid, options.idleSeconds);
    const cpuBefore = await cpuMs(child.pid);
    const start = performance.now();
    // A direct message, with the channel_type Discord sends (discord.js needs it to know a DM channel).
    const dm = () =>
      gateway.dispatch("MESSAGE_CREATE", {
        ...messageCreate({ content: `relay bench ${dispatched++}`, channelId: "300000000000000002" }),
        channel_type: 1,
      });
    const load = await sample(child.pid, options.loadSeconds, () => {
      const due = Math.min(sent, Math.floor(((performance.now() - start) / 1000) * options.rate));
      while (dispatched < due) dm();
    });
    while (dispatched < sent) dm();
    const all = await until(async () => (await sqs.depth(queue.queueUrl)).visible >= sent, 20_000);
    const cpu = (await cpuMs(child.pid)) - cpuBefore;
    const delivered = (await sqs.depth(queue.queueUrl)).visible;
    if (!all) errors.push(`${sent - delivered} of ${sent} messages did not reach SQS`);
    return {
      name: contender.name,
      runtime: contender.runtime,
      idleMb: summarize(idle),
      loadMb: summarize(load),
      rate: options.rate,
      cpuMsPerMessage: cpu / sent,
      delivered,
      sent,
      errors,
    };
  } catch (error) {
    errors.push(String(error));
    const stderr = await new Response(child.stderr as ReadableStream).text().catch(() => "");
    if (stderr) errors.push(stderr.slice(-400));
    const none = summarize([]);
    return {
      name: contender.name,
      runtime: contender.runtime,
      idleMb: none,
      loadMb: none,
      rate: options.rate,
      cpuMsPerMessage: Number.NaN,
      delivered: 0,
      sent,
      errors,
    };
  } finally {
    child.kill("SIGTERM");
    await child.exited;
    await gateway.close();
  }
}

/** RSS of a runtime running `code` and then idling (a timer keeps it alive), MB. */
async function bareRuntimeMb(command: string[], code = ""): Promise<Summary> {
  const child = Bun.spawn([...command, "-e", `${code}; setInterval(() => {}, 1000)`], {
    cwd: root,
    stdout: "ignore",
    stderr: "ignore",
  });
  await Bun.sleep(500);
  const samples = await sample(child.pid, 1);
  child.kill();
  await child.exited;
  return summarize(samples);
}

/** What the figures above are made of: bare Bun and bare Node idle, and Bun holding an SQS client. */
export async function measureBareRuntimes(): Promise<{ bun: Summary; node: Summary; bunWithSqs: Summary }> {
  return {
    bun: await bareRuntimeMb(["bun"]),
    node: await bareRuntimeMb([nodeBinary()]),
    bunWithSqs: await bareRuntimeMb(
      ["bun"],
      'const { SQSClient } = await import("@aws-sdk/client-sqs"); new SQSClient({ region: "us-east-1" })',
    ),
  };
}

/** Measures the relay (from its sources, and as deployed), then the discord.js peer under Node and Bun. */
export async function measureRelayMemory(sqs: LocalSqs, options: MemoryOptions): Promise<MemoryResult[]> {
  const peer = await bundleEntry(
    join(import.meta.dir, "peers", "discordjs.ts"),
    join(outRoot, "peers"),
    "discordjs.mjs",
  );
  const source = join(root, "relay", "main.ts");
  // As relay/Dockerfile runs it: the bundle relay/build.ts makes, with its flags and environment (RUNTIME).
  const deployed = await buildRelay(join(outRoot, "relay"));
  sqs.server.createBucket(STATE_BUCKET_NAME);
  const relay = (name: string, args: readonly string[], extra: Record<string, string> = {}): Contender => ({
    name,
    runtime: `Bun ${Bun.version}`,
    spawn: (env, apiUrl) =>
      Bun.spawn(["bun", ...args], {
        cwd: root,
        env: {
          ...env,
          PORT: "0",
          DISCORD_BOT_TOKEN: DEFAULT_DISCORD_TOKEN,
          DISCORD_QUEUE_URL: env.QUEUE_URL,
          DISCORD_API_URL: apiUrl,
          AWS_ENDPOINT_URL_S3: sqs.endpoint,
          ...extra,
        },
        stdout: "ignore",
        stderr: "pipe",
      }),
  });
  const node = (await nodeVersion()).replace(/^v/, "");
  const discordJs = (runtime: string, binary: string): Contender => ({
    name: `discord.js Client (peer), ${binary === "bun" ? "Bun" : "Node"}`,
    runtime,
    spawn: (env, apiUrl) =>
      Bun.spawn([binary, peer.path], {
        env: {
          ...env,
          DISCORD_BOT_TOKEN: DEFAULT_DISCORD_TOKEN,
          DISCORD_API_URL: apiUrl.replace(/\/v\d+$/, ""),
        },
        stdout: "ignore",
        stderr: "pipe",
      }),
  });
  const contenders: Contender[] = [
    relay("relay, `bun relay/main.ts`", [source]),
    relay(
      "relay as deployed (its bundle, `bun --smol`, no JIT, STATE_BUCKET)",
      [...RUNTIME.flags, deployed],
      {
        ...RUNTIME.env,
        STATE_BUCKET: STATE_BUCKET_NAME,
      },
    ),
    discordJs(`Node ${node}`, nodeBinary()),
    discordJs(`Bun ${Bun.version}`, "bun"),
  ];
  const results: MemoryResult[] = [];
  for (const contender of contenders) results.push(await measure(contender, sqs, options));
  return results;
}
