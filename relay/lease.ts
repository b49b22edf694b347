import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { log } from "../handlers/core/log.ts";
import type { LeaseStore, ObjectStore } from "./store.ts";

/**
 * Single-writer fencing of the relay's state. Two relays on one account (a task ECS believes dead, a
 * second deployment on the same bucket, a laptop run) would each hold the WhatsApp session and write its
 * keys, and the session's ratchets would diverge for good. So a relay writes its state only while it
 * holds the lease: one small object, taken and renewed with S3 conditional writes (If-None-Match to
 * create it, If-Match on the version it last saw), so of two relays racing for it exactly one wins.
 *
 * The holder renews it every RENEW_MS for TTL_MS. A relay that cannot renew (S3 unreachable, the process
 * frozen) stops writing MARGIN_MS before its lease runs out, and reports the loss; another relay takes the
 * lease only after it ran out, so their writes never overlap. That holds while the two clocks agree within
 * MARGIN_MS minus the longest state write (the S3 client gives up after about 17 s: relay/store.ts); ECS
 * tasks keep time with the Amazon Time Sync Service.
 */

/** The object in the state bucket that says which relay may write the state. */
export const LEASE_KEY = "lease.json";

/** Timings: 90 s leases renewed every 30 s (about 86,000 PUTs, $0.43 a month), writes stop 25 s early. */
export const LEASE_TIMINGS = { ttlMs: 90_000, renewMs: 30_000, marginMs: 25_000 } as const;

export interface LeaseOptions {
  /** Who asks (in the lease object and the logs). @default `<hostname>-<random>` */
  readonly owner?: string;
  readonly ttlMs?: number;
  readonly renewMs?: number;
  readonly marginMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
  /** Gives up waiting for the lease. */
  readonly signal?: AbortSignal;
}

/** The lease object: who holds it, until when (epoch ms). */
interface Holder {
  readonly owner: string;
  readonly expiresAt: number;
}

/** Writing the state without the lease: the write was not made. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor(readonly owner: string) {
    super(`relay ${owner} does not hold the state lease; the write was not made`);
  }
}

/** A held lease. */
export interface Lease {
  readonly owner: string;
  /** True while this relay may write: the lease is ours for more than the margin. */
  held(): boolean;
  /** Resolves when the lease is lost (taken over, or not renewed in time); never while it is released. */
  readonly lost: Promise<void>;
  /** Gives the lease up (the next relay may take it at once) and stops renewing. */
  release(): Promise<void>;
}

function parse(body: string): Holder | undefined {
  try {
    const value = JSON.parse(body) as Partial<Holder>;
    return typeof value.owner === "string" && typeof value.expiresAt === "number"
      ? { owner: value.owner, expiresAt: value.expiresAt }
      : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/**
 * Waits until this relay holds the lease on `store`'s LEASE_KEY, then keeps it renewed. A lease held by
 * another relay is waited out (its holder releases it when it stops, or it runs out).
 */
export async function acquireLease(store: LeaseStore, options: LeaseOptions = {}): Promise<Lease> {
  const owner = options.owner ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
  const { ttlMs, renewMs, marginMs } = { ...LEASE_TIMINGS, ...options };
  const now = options.now ?? Date.now;
  const body = () => JSON.stringify({ owner, expiresAt: now() + ttlMs } satisfies Holder);

  let etag: string | undefined;
  let expiresAt = 0;
  for (let waited = false; ; ) {
    options.signal?.throwIfAborted();
    const current = await store.read(LEASE_KEY);
    const holder = current && parse(current.body);
    if (!current || !holder || holder.owner === owner || holder.expiresAt <= now()) {
      const start = now();
      etag = await store.writeIf(LEASE_KEY, body(), current?.etag);
      if (etag !== undefined) {
        expiresAt = start + ttlMs;
        break;
      }
      continue; // another relay wrote it first: read again
    }
    if (!waited)
      log.info("relay.lease_waiting", { owner, holder: holder.owner, expiresAt: holder.expiresAt });
    waited = true;
    await sleep(Math.min(Math.max(holder.expiresAt - now(), 0) + 1_000, renewMs), options.signal);
  }
  log.info("relay.lease_acquired", { owner });

  let released = false;
  let lose!: () => void;
  const lost = new Promise<void>((resolve) => {
    lose = resolve;
  });
  const held = () => !released && etag !== undefined && now() < expiresAt - marginMs;
  const fail = (reason: string) => {
    if (etag === undefined) return;
    etag = undefined;
    clearInterval(timer);
    log.error("relay.lease_lost", { owner, reason });
    lose();
  };
  let renewal: Promise<void> | undefined;
  const renew = async () => {
    try {
      const start = now();
      const next = await store.writeIf(LEASE_KEY, body(), etag);
      if (next === undefined) fail("taken over");
      else {
        etag = next;
        expiresAt = start + ttlMs;
      }
    } catch (err) {
      log.warn("relay.lease_renew_failed", { owner, err });
    } finally {
      renewal = undefined;
      if (!released && etag !== undefined && !held()) fail("not renewed in time");
    }
  };
  const timer = setInterval(() => {
    if (renewal || released || etag === undefined) return;
    renewal = renew();
  }, renewMs);
  timer.unref?.();
  // Checked between renewals too, so the loss is noticed when it happens, not at the next renewal.
  const watch = setInterval(
    () => !released && etag !== undefined && !held() && fail("not renewed in time"),
    1_000,
  );
  watch.unref?.();

  return {
    owner,
    held,
    lost,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      clearInterval(watch);
      await renewal;
      const last = etag;
      etag = undefined;
      if (last === undefined) return;
      // Ran out at once: the next relay need not wait for the TTL.
      const freed = await store
        .writeIf(LEASE_KEY, JSON.stringify({ owner, expiresAt: 0 } satisfies Holder), last)
        .catch((err: unknown) => log.warn("relay.lease_release_failed", { owner, err }));
      if (freed !== undefined) log.info("relay.lease_released", { owner });
    },
  };
}

/**
 * `store` for the holder of `lease`: reads pass, every write first checks that the lease is still held
 * and throws LeaseLostError (writing nothing) when it is not.
 */
export function fencedStore(store: ObjectStore, lease: Lease): ObjectStore {
  const guard = () => {
    if (!lease.held()) throw new LeaseLostError(lease.owner);
  };
  return {
    get: (key) => store.get(key),
    async put(key, body, contentType) {
      guard();
      await store.put(key, body, contentType);
    },
    async delete(key) {
      guard();
      await store.delete(key);
    },
    async deletePrefix(prefix) {
      guard();
      await store.deletePrefix(prefix);
    },
  };
}
