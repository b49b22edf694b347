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
  /**
   * WhatsApp: the phone unlinked this device. The relay does not pair again by itself: it waits for
   * the operator to delete the void auth state (the detail says how).
   */
  | "unlinked"
  /**
   * Given up (a token refused, an intent not enabled, the WhatsApp session replaced by another): the
   * relay does not retry in-process; a restart may help (a rotated token, taking the session back).
   */
  | "failed"
  | "stopped";

/**
 * States in which the relay waits for a person — a QR code to scan, a re-pair to ask for — and a
 * restart cannot help (it would only show new QR codes): the container health check passes.
 */
export const WAITING_FOR_A_PERSON: ReadonlySet<string> = new Set<ConnectionState>(["pairing", "unlinked"]);

/**
 * Whether restarting the relay may help: some connection is neither ready nor waiting for a person
 * (failed, stuck connecting or reconnecting, stopped), or there is none.
 */
export function restartMayHelp(states: readonly string[]): boolean {
  return states.length === 0 || states.some((s) => s !== "ready" && !WAITING_FOR_A_PERSON.has(s));
}

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
    const level = state === "failed" ? "error" : state === "unlinked" ? "warn" : "info";
    log[level]("connection.state", { connection: name, state, detail });
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
