/**
 * The state lease over real HTTP: the relay's S3 store (the real AWS SDK) against a loopback S3 with
 * conditional writes (emulators/s3.ts). Each relay signs with its own access key, so the S3 log shows
 * who wrote what, in order.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { S3Client } from "@aws-sdk/client-s3";
import { type FakeS3, startFakeS3 } from "../emulators/s3.ts";
import { setEnv } from "../test/harness/env.ts";
import { acquireLease, fencedStore, LEASE_KEY, type Lease, LeaseLostError } from "./lease.ts";
import { s3Store } from "./store.ts";
import { eventually } from "./testing.ts";

const BUCKET = "relay-state";
/** Short leases: 1.2 s, renewed every 300 ms, writes stop 500 ms before the end. */
const FAST = { ttlMs: 1_200, renewMs: 300, marginMs: 500 };

let s3: FakeS3;
let restoreEnv: () => void;
const leases: Lease[] = [];

beforeAll(() => {
  s3 = startFakeS3();
  restoreEnv = setEnv({ LOG_LEVEL: process.env.LEASE_DEBUG ? "debug" : "error" });
});
afterAll(async () => {
  restoreEnv();
  await s3.close();
});
afterEach(async () => {
  await Promise.allSettled(leases.splice(0).map((l) => l.release()));
  s3.objects.clear();
  s3.writes.length = 0;
  s3.unreachableFor.clear();
});

/** The state store of one relay, signing as `who`. */
function storeOf(who: string) {
  const client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: { accessKeyId: who, secretAccessKey: "secret" },
  });
  return s3Store(BUCKET, client);
}

async function take(who: string, options = {}): Promise<Lease> {
  const lease = await acquireLease(storeOf(who), { owner: who, ...FAST, ...options });
  leases.push(lease);
  return lease;
}

test("of relays racing for the lease exactly one wins; the next waits until it is released", async () => {
  const stop = new AbortController();
  const racers = ["relay-a", "relay-b", "relay-c"].map((who) =>
    take(who, { signal: stop.signal }).then(
      () => who,
      () => "gave up",
    ),
  );
  const first = await Promise.race(racers);
  await Bun.sleep(200);
  const holder = leases.find((l) => l.owner === first) as Lease;
  expect(leases).toHaveLength(1);
  expect(holder.held()).toBe(true);

  await holder.release();
  await eventually(() => leases.length === 2, 3_000);
  const second = leases[1] as Lease;
  expect(second.owner).not.toBe(first);
  expect(second.held()).toBe(true);
  expect(holder.held()).toBe(false);
  stop.abort(); // the third one gives up waiting
  expect((await Promise.all(racers)).filter((r) => r === "gave up")).toHaveLength(1);
});

test("a relay that cannot renew stops writing before another takes over: their writes never overlap", async () => {
  const a = await take("relay-a");
  const stateA = fencedStore(storeOf("relay-a"), a);
  // Relay A writes its session keys all the time, as Baileys does.
  let refused = 0;
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      // Refused by the fence (LeaseLostError), or failing while S3 is out of reach: either way not written.
      await stateA.put(`whatsapp-personal/keys/k${i % 5}.json`, `a${i}`, "application/json").catch((err) => {
        if (err instanceof LeaseLostError) refused++;
      });
      await Bun.sleep(20);
    }
  })();
  const bWaiting = take("relay-b");
  await Bun.sleep(400);
  expect(leases.map((l) => l.owner)).toEqual(["relay-a"]);

  // S3 is out of reach for A: it cannot renew, and must stop writing before B may take over.
  s3.unreachableFor.add("relay-a");
  await a.lost;
  expect(a.held()).toBe(false);
  const b = await bWaiting;
  const stateB = fencedStore(storeOf("relay-b"), b);
  await stateB.put("whatsapp-personal/keys/k0.json", "b0", "application/json");
  s3.unreachableFor.delete("relay-a"); // A is back, and still must not write
  await Bun.sleep(200);
  writing = false;
  await writer;

  expect(refused).toBeGreaterThan(0);
  const takeover = s3.writes.find((w) => w.key === LEASE_KEY && w.by === "relay-b") as { seq: number };
  expect(takeover).toBeDefined();
  const lateA = s3.writes.filter((w) => w.by === "relay-a" && w.seq > takeover.seq);
  expect(lateA).toEqual([]);
  expect(s3.writes.some((w) => w.by === "relay-a" && w.key !== LEASE_KEY)).toBe(true);
  expect(new TextDecoder().decode(s3.objects.get(`${BUCKET}/whatsapp-personal/keys/k0.json`)?.body)).toBe(
    "b0",
  );
});

test("a lease taken over is lost at the next renewal, and the fenced store writes nothing more", async () => {
  const a = await take("relay-a", { ttlMs: 60_000, renewMs: 200, marginMs: 1_000 });
  // Another relay overwrites the lease (as one would whose clock ran far ahead): A notices, stops.
  await storeOf("relay-b").writeIf(
    LEASE_KEY,
    JSON.stringify({ owner: "relay-b", expiresAt: Date.now() + 60_000 }),
    (await storeOf("relay-b").read(LEASE_KEY))?.etag,
  );
  await a.lost;
  await expect(
    fencedStore(storeOf("relay-a"), a).put("discord/session.json", "{}", "application/json"),
  ).rejects.toThrow(LeaseLostError);
  expect(s3.writes.filter((w) => w.key !== LEASE_KEY)).toEqual([]);
});

test("a relay restarted under the same owner takes its own lease back at once", async () => {
  const first = await take("relay-a", { ttlMs: 60_000 });
  first.held();
  const again = await Promise.race([
    take("relay-a", { ttlMs: 60_000 }),
    Bun.sleep(1_000).then(() => undefined),
  ]);
  expect(again?.held()).toBe(true);
});
