/**
 * The relay as a process, as the container runs it (`bun relay/main.ts`): configuration from the
 * environment, health on PORT, and SIGTERM → no new events, in-flight enqueues finish, exit 0.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { envelopesOn, eventually, type FlakyProxy, startFlakyProxy } from "../relay/testing.ts";
import {
  DEFAULT_DISCORD_TOKEN,
  type FakeDiscordGateway,
  startDiscordGateway,
} from "./fakes/discord-gateway.ts";
import { awsTestEnv } from "./harness/env.ts";
import { type FifoPair, type LocalSqs, startSqs } from "./harness/sqs.ts";

let sqs: LocalSqs;
let proxy: FlakyProxy;
let queue: FifoPair;
let gateway: FakeDiscordGateway;

beforeAll(async () => {
  sqs = await startSqs();
  proxy = startFlakyProxy(sqs.endpoint);
  queue = await sqs.createFifoPair("discord-process");
  gateway = await startDiscordGateway();
});

afterAll(async () => {
  await gateway.close();
  await proxy.close();
  await sqs.close();
});

function spawnRelay(env: Record<string, string | undefined>) {
  return Bun.spawn(["bun", "relay/main.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as Record<string, string>,
    stdout: "pipe",
    stderr: "pipe",
  });
}

const freePort = () => {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  return port;
};

test("SIGTERM: the enqueue in flight finishes, the gateway is closed, exit 0", async () => {
  const port = freePort();
  const child = spawnRelay({
    ...awsTestEnv({ sqs: proxy.url, maxAttempts: 1 }),
    PORT: String(port),
    DISCORD_BOT_TOKEN: DEFAULT_DISCORD_TOKEN,
    DISCORD_QUEUE_URL: proxy.url + new URL(queue.queueUrl).pathname,
    DISCORD_API_URL: gateway.apiUrl,
  });
  const health = () =>
    fetch(`http://127.0.0.1:${port}/health`)
      .then((r) => r.status)
      .catch(() => 0);
  await eventually(async () => (await health()) === 200, 10_000);

  proxy.delayMs = 400; // SQS is slow: the message is still being queued when SIGTERM comes
  gateway.messageCreate({ content: "last words" });
  await eventually(() => proxy.requests > 0);
  child.kill("SIGTERM");
  expect(await child.exited).toBe(0);
  proxy.delayMs = 0;

  expect((await envelopesOn(sqs, queue.queueUrl)).map((e) => e.text)).toEqual(["last words"]);
  expect(gateway.closes.items.at(-1)?.code).toBe(1000);
  const out = await new Response(child.stdout).text();
  const events = out
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { event: string });
  expect(events.map((e) => e.event)).toContain("relay.stopped");
  expect(out + (await new Response(child.stderr).text())).not.toContain(DEFAULT_DISCORD_TOKEN);
}, 20_000);

test("misconfigured: exits 1 with the variable to fix", async () => {
  const child = spawnRelay({ DISCORD_BOT_TOKEN: "x" });
  expect(await child.exited).toBe(1);
  const err = await new Response(child.stderr).text();
  expect(err).toContain("DISCORD_QUEUE_URL is not set");
  expect(err).not.toContain('"x"');
});

test("nothing configured: exits 1 and says what to set", async () => {
  const child = spawnRelay({});
  expect(await child.exited).toBe(1);
  expect(await new Response(child.stderr).text()).toContain("nothing to relay");
});
