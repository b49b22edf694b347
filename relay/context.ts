import type { Connections } from "./connections.ts";
import type { DurableEnqueueOptions } from "./enqueue.ts";
import type { Inflight } from "./inflight.ts";

/** What every integration of the relay shares: connection states, in-flight work, the stop flag. */
export interface RelayContext {
  readonly connections: Connections;
  readonly inflight: Inflight;
  /** True once shutdown began: take no new events. */
  readonly stopping: () => boolean;
  readonly enqueueOptions?: DurableEnqueueOptions;
}
