import { log } from "../../handlers/core/log.ts";
import type { Connections } from "../connections.ts";
import type { StoredAuthState } from "./auth-state.ts";
import type { Me } from "./inbound.ts";
import type { ConnectionUpdate, ConnectWhatsApp, WhatsAppSocket } from "./socket.ts";

export interface SessionOptions {
  readonly connect: ConnectWhatsApp;
  /** Loads the auth state (again after a logout cleared it). */
  readonly loadAuth: () => Promise<StoredAuthState>;
  readonly connections: Connections;
  /** A new pairing code. */
  readonly onQr: (code: string) => Promise<void>;
  /** Paired and connected (the QR code can go). */
  readonly onOpen: (me: Me) => Promise<void>;
  readonly onMessages: (messages: readonly unknown[], me: Me) => void;
  /** First reconnect delay in ms, doubled up to a minute. @default 1000 */
  readonly reconnectDelayMs?: number;
}

/** A WhatsApp session that keeps itself connected. */
export interface Session {
  /** The open socket, or undefined while (re)connecting or pairing. */
  readonly socket: WhatsAppSocket | undefined;
  /** Resolves on the next state change. */
  changed(): Promise<void>;
  /** Closes the socket and stops reconnecting. */
  stop(): void;
}

const NAME = "whatsapp";

/**
 * Runs the WhatsApp session: connects with the stored auth state (pairing by QR code when there is
 * none), saves credentials as they change, reconnects with back-off after a lost connection, at once
 * when WhatsApp asks for a restart (right after pairing), and after a logout clears the void auth
 * state and pairs anew. A session replaced by another device login is reported as failed, not fought.
 */
export async function startSession(options: SessionOptions): Promise<Session> {
  const first = options.reconnectDelayMs ?? 1_000;
  let delay = first;
  let stopped = false;
  let socket: WhatsAppSocket | undefined;
  let open: WhatsAppSocket | undefined;
  let me: Me | undefined;
  let auth = await options.loadAuth();
  let waiters: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const notify = () => {
    const current = waiters;
    waiters = [];
    for (const resolve of current) resolve();
  };
  const set = (state: Parameters<Connections["set"]>[1], detail?: string) => {
    options.connections.set(NAME, state, detail);
    notify();
  };

  const connect = () => {
    if (stopped) return;
    set(
      auth.paired ? "connecting" : "pairing",
      auth.paired ? undefined : "waiting for the QR code to be scanned",
    );
    const current = options.connect(auth.state, {
      onCredsUpdate: () => {
        auth.saveCreds().catch((err: unknown) => log.error("whatsapp.creds_save_failed", { err }));
      },
      onMessages: (messages) => {
        if (me && current === open) options.onMessages(messages, me);
      },
      onUpdate: (update) => {
        if (current !== socket) return; // a socket we already left
        onUpdate(current, update);
      },
    });
    socket = current;
  };

  const reconnect = (ms: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      connect();
    }, ms);
  };

  const onUpdate = (current: WhatsAppSocket, update: ConnectionUpdate) => {
    switch (update.state) {
      case "connecting":
        return;
      case "qr":
        set("pairing", "scan the QR code: see the log or the PNG in the state bucket");
        options.onQr(update.code).catch((err: unknown) => log.error("whatsapp.qr_failed", { err }));
        return;
      case "open":
        me = update.me;
        open = current;
        delay = first;
        set("ready", "connected");
        options.onOpen(update.me).catch((err: unknown) => log.warn("whatsapp.qr_cleanup_failed", { err }));
        return;
      case "closed": {
        open = undefined;
        socket = undefined;
        if (stopped) return;
        if (update.reason === "replaced") {
          set(
            "failed",
            `another session took over (${update.detail}): stop the other relay, then restart this one`,
          );
          return;
        }
        if (update.reason === "logged_out") {
          set("pairing", `logged out (${update.detail}): pairing again`);
          auth
            .clear()
            .then(options.loadAuth)
            .then((fresh) => {
              auth = fresh;
              connect();
            })
            .catch((err: unknown) => {
              log.error("whatsapp.auth_clear_failed", { err });
              set("failed", "logged out, and the old auth state could not be deleted");
            });
          return;
        }
        if (update.reason === "restart_required") {
          set("connecting", "restart after pairing");
          connect();
          return;
        }
        set("reconnecting", update.detail);
        reconnect(delay);
        delay = Math.min(60_000, delay * 2);
      }
    }
  };

  connect();
  return {
    get socket() {
      return open;
    },
    changed: () => new Promise<void>((resolve) => waiters.push(resolve)),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const current = socket;
      socket = undefined;
      open = undefined;
      current?.end();
      set("stopped");
    },
  };
}
