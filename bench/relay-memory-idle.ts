/**
 * Idle memory of the relay's Discord side, next to discord.js doing the same job: each process connects
 * to its own fake gateway (emulators/discord-gateway.ts), sits idle for 3 s, and its resident memory
 * (VmRSS) is read; median, min and max of `runs` rounds, all in one run on one machine.
 *
 *   cd bench && bun install && cd .. && bun bench/relay-memory-idle.ts [runs=5]
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { DEFAULT_DISCORD_TOKEN, startDiscordGateway } from "../emulators/discord-gateway.ts";
import { startSqs } from "../emulators/sqs.ts";
import { buildRelay, RUNTIME } from "../relay/build.ts";

const root = join(import.meta.dir, "..");
const runs = Number(process.argv[2] ?? 5);
const IDLE_MS = 3_000;

const BUCKET = "relay-state";

// The bundle the image runs (relay/Dockerfile: `bun relay/build.ts dist`).
const dist = await mkdtemp(join(tmpdir(), "relay-dist-"));
const bundle = await buildRelay(dist);

/** Command and extra environment of each contender. */
const contenders: Record<string, { command: string[]; env?: Record<string, string> }> = {
  "relay from source (bun relay/main.ts)": { command: ["bun", "relay/main.ts"] },
  // As the image runs it with modules/relay's environment: the bundle, --smol, the state bucket.
  "relay as deployed (bundle, --smol, no JIT, STATE_BUCKET)": {
    command: ["bun", ...RUNTIME.flags, bundle],
    env: { ...RUNTIME.env, STATE_BUCKET: BUCKET },
  },
  "discord.js Client (bun)": { command: ["bun", "bench/relay-memory-discordjs.mjs"] },
  "discord.js Client (node)": { command: ["node", "bench/relay-memory-discordjs.mjs"] },
};

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

const sqs = await startSqs();
const queue = await sqs.createFifoPair("relay-memory");
sqs.server.createBucket(BUCKET);
const results = new Map<string, number[]>(Object.keys(contenders).map((name) => [name, []]));
for (let round = 0; round < runs; round++) {
  for (const [name, { command, env }] of Object.entries(contenders)) {
    const gateway = await startDiscordGateway();
    const child = Bun.spawn(command, {
      cwd: root,
      env: {
        ...awsTestEnv({ sqs, maxAttempts: 1 }),
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LOG_LEVEL: "warn",
        PORT: "0",
        DISCORD_BOT_TOKEN: DEFAULT_DISCORD_TOKEN,
        DISCORD_QUEUE_URL: queue.queueUrl,
        DISCORD_API_URL: gateway.apiUrl,
        AWS_ENDPOINT_URL_S3: sqs.endpoint,
        ...env,
      } as Record<string, string>,
      stdout: "ignore",
      stderr: "inherit",
    });
    try {
      await gateway.ready(20_000);
      await Bun.sleep(IDLE_MS);
      results.get(name)?.push(await rssMb(child.pid));
    } finally {
      child.kill("SIGTERM");
      await child.exited;
      await gateway.close();
    }
  }
}
await sqs.close();
await rm(dist, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`Idle RSS with the gateway connected, ${runs} runs, ${new Date().toISOString().slice(0, 10)}`);
for (const [name, xs] of results) {
  const [lo, mid, hi] = [Math.min(...xs), median(xs), Math.max(...xs)].map((x) => x.toFixed(1));
  console.log(`${name.padEnd(50)} ${mid} MB (min ${lo}, max ${hi})`);
}
