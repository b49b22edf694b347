/**
 * Idle memory of the relay's Discord side, next to discord.js doing the same job: each process connects
 * to its own fake gateway (test/fakes/discord-gateway.ts), sits idle for 3 s, and its resident memory
 * (VmRSS) is read; median, min and max of `runs` rounds, all in one run on one machine.
 *
 *   cd bench && bun install && cd .. && bun bench/relay-memory-idle.ts [runs=5]
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_DISCORD_TOKEN, startDiscordGateway } from "../test/fakes/discord-gateway.ts";
import { awsTestEnv } from "../test/harness/env.ts";
import { startSqs } from "../test/harness/sqs.ts";

const root = join(import.meta.dir, "..");
const runs = Number(process.argv[2] ?? 5);
const IDLE_MS = 3_000;

const contenders: Record<string, string[]> = {
  "relay (bun relay/main.ts)": ["bun", "relay/main.ts"],
  "relay (bun --smol, as the image runs it)": ["bun", "--smol", "relay/main.ts"],
  "discord.js Client (bun)": ["bun", "bench/relay-memory-discordjs.mjs"],
  "discord.js Client (node)": ["node", "bench/relay-memory-discordjs.mjs"],
};

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

const sqs = await startSqs();
const queue = await sqs.createFifoPair("relay-memory");
const results = new Map<string, number[]>(Object.keys(contenders).map((name) => [name, []]));
for (let round = 0; round < runs; round++) {
  for (const [name, command] of Object.entries(contenders)) {
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`Idle RSS with the gateway connected, ${runs} runs, ${new Date().toISOString().slice(0, 10)}`);
for (const [name, xs] of results) {
  const [lo, mid, hi] = [Math.min(...xs), median(xs), Math.max(...xs)].map((x) => x.toFixed(1));
  console.log(`${name.padEnd(42)} ${mid} MB (min ${lo}, max ${hi})`);
}
