/**
 * Two relays on one account: the real relay code (startRelay) twice, on one state bucket (a loopback S3
 * with conditional writes, each relay signing with its own key), against the loopback Discord gateway and
 * fauxqs. Only the lease holder connects and writes; the other waits, and takes over (resuming the
 * session the first one handed on) only once the first let go.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { S3Client } from "@aws-sdk/client-s3";
import { awsTestEnv } from "../emulators/aws-env.ts";
import {
  DEFAULT_DISCORD_TOKEN,
  type FakeDiscordGateway,
  startDiscordGateway,
} from "../emulators/discord-gateway.ts";
import { type FakeS3, startFakeS3 } from "../emulators/s3.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../emulators/sqs.ts";
import type { RelayConfig } from "../relay/config.ts";
import { LEASE_KEY } from "../relay/lease.ts";
import { type Relay, startRelay } from "../relay/start.ts";
import { s3Store } from "../relay/store.ts";
import { eventually } from "../relay/testing.ts";
import { setEnv } from "./harness/env.ts";

const BUCKET = "relay-state";
/**
 * Short leases, so a takeover after a lost lease happens within the test; the holder still has 1.8 s to
 * renew, so a busy machine does not lose it by accident.
 */
const LEASE = { ttlMs: 3_000, renewMs: 300, marginMs: 1_200 };

let sqs: LocalSqs;
let queue: FifoPair;
let s3: FakeS3;
let gateway: FakeDiscordGateway;
let restoreEnv: () => void;
const relays: Relay[] = [];

beforeAll(async () => {
  sqs = await startSqs();
  queue = await sqs.createFifoPair("discord-lease");
  s3 = startFakeS3();
  gateway = await startDiscordGateway();
  restoreEnv = setEnv({ ...awsTestEnv({ sqs: sqs.endpoint, maxAttempts: 1 }), LOG_LEVEL: "error" });
});

afterAll(async () => {
  restoreEnv();
  await gateway.close();
  await s3.close();
  await sqs.close();
});

afterEach(async () => {
  await Promise.allSettled(relays.splice(0).map((r) => r.stop()));
});

const config = (): RelayConfig => ({
  port: 0,
  shutdownTimeoutMs: 2_000,
  discord: {
    queueUrl: sqs.endpoint + new URL(queue.queueUrl).pathname,
    token: DEFAULT_DISCORD_TOKEN,
    apiUrl: gateway.apiUrl,
  },
});

/** Starts a relay whose state store signs as `who`; resolves once it holds the lease and connected. */
function start(who: string): Promise<Relay> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: { accessKeyId: who, secretAccessKey: "secret" },
  });
  return startRelay(config(), {
    store: s3Store(BUCKET, client),
    lease: { owner: who, ...LEASE },
    discord: { identifyThrottler: { waitForIdentify: async () => {} } },
    enqueue: { firstDelayMs: 50, budgetMs: 5_000 },
  }).then((relay) => {
    relays.push(relay);
    return relay;
  });
}

const writesBy = (who: string) => s3.writes.filter((w) => w.by === who);

test("the second relay neither connects nor writes while the first holds the lease; it takes over when the first stops", async () => {
  const first = await start("relay-a");
  await first.connections.until((c) => c.get("discord")?.state === "ready");

  let second: Relay | undefined;
  const starting = start("relay-b").then((r) => {
    second = r;
    return r;
  });
  // The first renews its lease meanwhile, three times.
  const renewals = () => writesBy("relay-a").filter((w) => w.key === LEASE_KEY).length;
  const held = renewals();
  await eventually(() => renewals() >= held + 3, 10_000);
  expect(second).toBeUndefined();
  expect(gateway.connectionCount).toBe(1);
  expect(writesBy("relay-b")).toEqual([]);

  await first.stop(); // hands its Discord session on, then releases the lease
  const next = await starting;
  await next.connections.until((c) => c.get("discord")?.state === "ready");
  expect(gateway.connectionCount).toBe(2);
  expect(gateway.frames.items.filter((f) => f.op === 2)).toHaveLength(1); // one IDENTIFY: the second resumed

  const takeover = writesBy("relay-b").find((w) => w.key === LEASE_KEY);
  expect(takeover).toBeDefined();
  expect(writesBy("relay-a").some((w) => w.key === "discord/session.json")).toBe(true);
  expect(writesBy("relay-a").filter((w) => w.seq > (takeover?.seq ?? 0))).toEqual([]);
});

test("a relay that loses the lease reports every connection failed (health 503) and writes nothing more", async () => {
  const first = await start("relay-c");
  await first.connections.until((c) => c.get("discord")?.state === "ready");
  s3.unreachableFor.add("relay-c"); // it cannot renew
  await first.leaseLost;
  expect(first.connections.get("discord")?.state).toBe("failed");
  const health = await fetch(`http://127.0.0.1:${first.port}/health`);
  expect(health.status).toBe(503);

  const next = await start("relay-d"); // takes over once the lease ran out
  s3.unreachableFor.delete("relay-c");
  await first.stop(); // its session hand-over is refused by the fence: nothing written
  await eventually(() => next.connections.get("discord")?.state === "ready", 10_000);
  const takeover = writesBy("relay-d").find((w) => w.key === LEASE_KEY);
  expect(writesBy("relay-c").filter((w) => w.seq > (takeover?.seq ?? 0))).toEqual([]);
});
