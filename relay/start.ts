import { Inflight } from "../handlers/core/inflight.ts";
import { log } from "../handlers/core/log.ts";
import type { RelayConfig } from "./config.ts";
import { Connections } from "./connections.ts";
import type { Integration, RelayContext } from "./context.ts";
import type { DiscordGatewayOptions } from "./discord/gateway.ts";
import { startDiscordIntegration } from "./discord/integration.ts";
import { discordSessionStore } from "./discord/session-store.ts";
import type { DurableEnqueueOptions } from "./enqueue.ts";
import { healthHandler } from "./health.ts";
import { acquireLease, fencedStore, type Lease, type LeaseOptions } from "./lease.ts";
import { discordTokenFromSecret } from "./secret.ts";
import type { ObjectStore, StateStore } from "./store.ts";
import type { WhatsAppOverrides } from "./whatsapp/integration.ts";

/** Test seams: what tests replace (the WhatsApp socket, throttles); production passes nothing. */
export interface RelayOverrides {
  /** The state store (instead of S3 on STATE_BUCKET); with conditional writes, the relay takes the lease on it. */
  readonly store?: ObjectStore | StateStore;
  /** Lease timings and owner (tests). */
  readonly lease?: Omit<LeaseOptions, "signal">;
  readonly discord?: Pick<DiscordGatewayOptions, "identifyThrottler">;
  readonly whatsapp?: WhatsAppOverrides;
  readonly enqueue?: DurableEnqueueOptions;
}

/** A running relay. */
export interface Relay {
  /** The port the health endpoint listens on. */
  readonly port: number;
  readonly connections: Connections;
  /**
   * Resolves when the relay lost the state lease (another relay took it, or it could not be renewed): the
   * relay writes nothing more and should stop; every connection is then `failed`. Never resolves without a
   * state store.
   */
  readonly leaseLost: Promise<void>;
  /** Graceful stop: no new events, in-flight enqueues and sends finish, sockets close, the lease is released. Idempotent. */
  stop(): Promise<void>;
}

const isStateStore = (store: ObjectStore | StateStore): store is StateStore => "writeIf" in store;

/**
 * Starts the relay: the health endpoint, then (with a state store) the state lease, waiting while another
 * relay holds it, then each configured integration (Discord gateway, WhatsApp personal), whose state
 * writes are fenced by the lease. WhatsApp's code (Baileys) is loaded only when WhatsApp is configured.
 */
export async function startRelay(config: RelayConfig, overrides: RelayOverrides = {}): Promise<Relay> {
  const connections = new Connections();
  const inflight = new Inflight();
  let stopping = false;
  const context: RelayContext = {
    connections,
    inflight,
    stopping: () => stopping,
    ...(overrides.enqueue ? { enqueueOptions: overrides.enqueue } : {}),
  };
  const server = Bun.serve({
    port: config.port,
    hostname: config.hostname ?? "127.0.0.1",
    fetch: healthHandler(connections),
  });
  const integrations: Integration[] = [];
  // The S3 client loads only when there is a bucket to talk to.
  const openStore = async (): Promise<ObjectStore | StateStore | undefined> => {
    if (overrides.store) return overrides.store;
    if (!config.stateBucket) return undefined;
    const { s3Store } = await import("./store.ts");
    return s3Store(config.stateBucket);
  };
  let lease: Lease | undefined;
  let store: ObjectStore | undefined;
  try {
    const opened = await openStore();
    if (opened && isStateStore(opened)) {
      // One relay at a time writes the state: wait for the lease before connecting anything.
      lease = await acquireLease(opened, overrides.lease);
      store = fencedStore(opened, lease);
    } else store = opened;
    if (config.discord) {
      connections.set("discord", "connecting");
      const { secretArn } = config.discord;
      const token = config.discord.token ?? (await discordTokenFromSecret(secretArn as string));
      const sessions = store ? discordSessionStore(store) : undefined;
      integrations.push(
        await startDiscordIntegration(
          { ...config.discord, token, ...(sessions ? { sessions } : {}) },
          context,
          overrides.discord,
        ),
      );
    }
    if (config.whatsapp) {
      connections.set("whatsapp", "connecting");
      const { startWhatsAppIntegration } = await import("./whatsapp/integration.ts");
      if (!store) throw new Error("WhatsApp personal needs the state bucket"); // config.ts requires it
      integrations.push(await startWhatsAppIntegration(config.whatsapp, store, context, overrides.whatsapp));
    }
  } catch (error) {
    server.stop(true);
    await Promise.allSettled(integrations.map((i) => i.close()));
    await lease?.release();
    throw error;
  }
  const leaseLost = (lease?.lost ?? new Promise<void>(() => {})).then(() => {
    for (const name of Object.keys(connections.snapshot()))
      connections.set(name, "failed", "the state lease was lost: another relay may hold the session");
  });

  let stopped: Promise<void> | undefined;
  return {
    port: server.port ?? config.port,
    connections,
    leaseLost,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        log.info("relay.stopping", { inflight: inflight.size });
        for (const integration of integrations) integration.quiesce();
        const drained = await inflight.drain(config.shutdownTimeoutMs);
        if (!drained) log.error("relay.shutdown_timeout", { inflight: inflight.size });
        await Promise.allSettled(integrations.map((i) => i.close()));
        await lease?.release();
        server.stop(true);
        log.info("relay.stopped", { drained });
      })();
      return stopped;
    },
  };
}
