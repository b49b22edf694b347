import { log } from "../handlers/core/log.ts";

/**
 * The state of each connection the relay holds (Discord gateway, WhatsApp session), for the health
 * endpoint and the logs. A relay is healthy only when every enabled connection is `ready`.
 */

/** Where a connection is: only `ready` passes messages. */
export type ConnectionState =
  | "connecting"
  | "ready"
  | "reconnecting"
  /** WhatsApp: waiting for the QR code to be scanned. */
  | "pairing"
  /** Needs an operator (bad token, intent not enabled, logged out): the relay will not retry. */
  | "failed"
  | "stopped";

export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** Epoch ms of the last change. */
  readonly since: number;
  /** A short, secret-free reason for the state. */
  readonly detail?: string;
}

/** The connections of one relay, by name (`discord`, `whatsapp`). */
export class Connections {
  readonly #states = new Map<string, ConnectionStatus>();
  readonly #listeners = new Set<() => void>();

  /** Sets a connection's state; logs the change. */
  set(name: string, state: ConnectionState, detail?: string): void {
    const previous = this.#states.get(name);
    if (previous?.state === state && previous.detail === detail) return;
    this.#states.set(name, { state, since: Date.now(), ...(detail === undefined ? {} : { detail }) });
    (state === "failed" ? log.error : log.info)("connection.state", { connection: name, state, detail });
    for (const listener of [...this.#listeners]) listener();
  }

  /** The state of one connection, if it was ever set. */
  get(name: string): ConnectionStatus | undefined {
    return this.#states.get(name);
  }

  /** True when there is at least one connection and every one is ready. */
  get healthy(): boolean {
    return this.#states.size > 0 && [...this.#states.values()].every((s) => s.state === "ready");
  }

  /** Every connection's status, by name. */
  snapshot(): Record<string, ConnectionStatus> {
    return Object.fromEntries(this.#states);
  }

  /** Resolves when `predicate` holds (checked now and on every change). */
  until(predicate: (connections: Connections) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!predicate(this)) return;
        this.#listeners.delete(check);
        resolve();
      };
      this.#listeners.add(check);
      check();
    });
  }
}
