import type { Inflight } from "../handlers/core/inflight.ts";
import type { Connections } from "./connections.ts";
import type { DurableEnqueueOptions } from "./enqueue.ts";

/** What every integration of the relay shares: connection states, in-flight work, the stop flag. */
export interface RelayContext {
  readonly connections: Connections;
  readonly inflight: Inflight;
  /** True once shutdown began: take no new events. */
  readonly stopping: () => boolean;
  readonly enqueueOptions?: DurableEnqueueOptions;
}

/**
 * One integration (relay/discord/integration.ts, relay/whatsapp/integration.ts), stopped in two steps:
 * take nothing new, then (after in-flight work) close.
 */
export interface Integration {
  /** Stop taking new work (events, outbound messages). */
  quiesce(): void;
  /** Close the connection. */
  close(): Promise<void>;
}
