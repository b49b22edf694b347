/**
 * The relay as a process, as the container runs it (the bundle from relay/build.ts, with its RUNTIME flags
 * and environment: `bun --smol`, no JIT):
 * configuration from the environment, health on PORT, and SIGTERM → no new events, in-flight enqueues
 * finish, the Discord session handed on through the state bucket, exit 0.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { awsTestEnv } from "../emulators/aws-env.ts";
import {
  DEFAULT_DISCORD_TOKEN,
  type FakeDiscordGateway,
  startDiscordGateway,
} from "../emulators/discord-gateway.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../emulators/sqs.ts";
import { buildRelay, RUNTIME } from "../relay/build.ts";
import { envelopesOn, eventually, type FlakyProxy, startFlakyProxy } from "../relay/testing.ts";

let sqs: LocalSqs;
let proxy: FlakyProxy;
let queue: FifoPair;
let gateway: FakeDiscordGateway;
let dist: string;
let bundle: string;
const BUCKET = "relay-state";

beforeAll(async () => {
  sqs = await startSqs();
  proxy = startFlakyProxy(sqs.endpoint);
  queue = await sqs.createFifoPair("discord-process");
  gateway = await startDiscordGateway();
  sqs.server.createBucket(BUCKET);
  dist = await mkdtemp(join(tmpdir(), "relay-dist-"));
  bundle = await buildRelay(dist);
});

afterAll(async () => {
  await gateway.close();
  await proxy.close();
  await sqs.close();
  await rm(dist, { recursive: true, force: true });
});

function spawnRelay(env: Record<string, string | undefined>, command = ["bun", "relay/main.ts"]) {
  return Bun.spawn(command, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as Record<string, string>,
    stdout: "pipe",
    stderr: "pipe",
  });
}

const freePort = () => {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  return port;
};

test("SIGTERM: the enqueue in flight finishes, the session is handed on, exit 0 (the bundle)", async () => {
  const port = freePort();
  const child = spawnRelay(
    {
      ...awsTestEnv({ sqs: proxy.url, maxAttempts: 1 }),
      AWS_ENDPOINT_URL_S3: sqs.endpoint,
      PORT: String(port),
      HEALTH_HOST: "127.0.0.1",
      STATE_BUCKET: BUCKET,
      DISCORD_BOT_TOKEN: DEFAULT_DISCORD_TOKEN,
      DISCORD_QUEUE_URL: proxy.url + new URL(queue.queueUrl).pathname,
      DISCORD_API_URL: gateway.apiUrl,
      ...RUNTIME.env,
    },
    ["bun", ...RUNTIME.flags, bundle],
  );
  const health = () =>
    fetch(`http://127.0.0.1:${port}/health`)
      .then((r) => r.status)
      .catch(() => 0);
  await eventually(async () => (await health()) === 200, 10_000);
  // The container health check of the image (dist/healthcheck.js): passes now, fails once the relay is gone.
  const healthcheck = () =>
    Bun.spawn(["bun", join(dist, "healthcheck.js")], { env: { PATH: process.env.PATH, PORT: String(port) } })
      .exited;
  expect(await healthcheck()).toBe(0);

  proxy.delayMs = 400; // SQS is slow: the message is still being queued when SIGTERM comes
  gateway.messageCreate({ content: "last words" });
  await eventually(() => proxy.requests > 0);
  child.kill("SIGTERM");
  expect(await child.exited).toBe(0);
  proxy.delayMs = 0;
  expect(await healthcheck()).toBe(1);

  expect((await envelopesOn(sqs, queue.queueUrl)).map((e) => e.text)).toEqual(["last words"]);
  expect(gateway.closes.items.at(-1)?.code).toBe(4200); // the session stays resumable
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: sqs.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
  const saved = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "discord/session.json" }));
  expect(JSON.parse((await saved.Body?.transformToString()) ?? "{}")).toMatchObject({
    sessionId: gateway.session?.id,
  });
  s3.destroy();
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
