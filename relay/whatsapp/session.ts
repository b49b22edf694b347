import { log } from "../../handlers/core/log.ts";
import type { Connections } from "../connections.ts";
import type { StoredAuthState } from "./auth-state.ts";
import type { Me } from "./inbound.ts";
import type { ConnectionUpdate, ConnectWhatsApp, WhatsAppSocket } from "./socket.ts";

export interface SessionOptions {
  readonly connect: ConnectWhatsApp;
  /** Loads the auth state (again, while unlinked, to see whether the operator deleted it). */
  readonly loadAuth: () => Promise<StoredAuthState>;
  /** Where the auth state is, for the operator: `s3://<bucket>/<prefix>`. */
  readonly authLocation: string;
  readonly connections: Connections;
  /** A new pairing code. */
  readonly onQr: (code: string) => Promise<void>;
  /** Paired and connected (the QR code can go). */
  readonly onOpen: (me: Me) => Promise<void>;
  readonly onMessages: (messages: readonly unknown[], me: Me) => void;
  /** First reconnect delay in ms, doubled up to a minute. @default 1000 */
  readonly reconnectDelayMs?: number;
  /** While unlinked, how often to look whether the auth state was deleted, in ms. @default 30000 */
  readonly unlinkedCheckMs?: number;
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
 * none, from an empty state), saves credentials as they change, reconnects with back-off after a lost
 * connection and at once when WhatsApp asks for a restart (right after pairing). A session replaced by
 * another login is reported as failed, not fought in-process.
 *
 * When the phone unlinks the device (a logout), the relay does not pair again by itself: the owner
 * may have unlinked it on purpose, and a fresh QR code would invite anyone who can read it to link
 * their account. It keeps the void auth state — a restarted relay finds it, is refused by WhatsApp
 * again, and stays unlinked — and waits, looking every `unlinkedCheckMs` whether the operator deleted
 * it (the explicit action, named in the state's detail); then it pairs from an empty state.
 */
export async function startSession(options: SessionOptions): Promise<Session> {
  const first = options.reconnectDelayMs ?? 1_000;
  const unlinkedCheckMs = options.unlinkedCheckMs ?? 30_000;
  let delay = first;
  let stopped = false;
  let socket: WhatsAppSocket | undefined;
  let open: WhatsAppSocket | undefined;
  let me: Me | undefined;
  let auth = await options.loadAuth();
  // Pairing starts from an empty state: no signal keys of an earlier pairing left beside new credentials.
  if (!auth.paired) await auth.clear();
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

  /** Unlinked: looks for the operator's deletion of the auth state, then pairs from an empty one. */
  const waitForRepair = () => {
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        const fresh = await options.loadAuth();
        if (stopped) return;
        if (fresh.paired) return waitForRepair();
        await fresh.clear(); // keys the operator left behind
        auth = fresh;
        log.info("whatsapp.repair", { hint: "the auth state was deleted: pairing anew" });
        connect();
      } catch (err) {
        log.warn("whatsapp.auth_check_failed", { err });
        if (!stopped) waitForRepair();
      }
    }, unlinkedCheckMs);
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
            `another session took over (${update.detail}): this relay stands down; a restart takes the session ` +
              "back (on ECS the container health check has the task replaced). Never run two relays on one account",
          );
          return;
        }
        if (update.reason === "logged_out") {
          set(
            "unlinked",
            `this device was unlinked from the phone (${update.detail}); the relay will not pair again by itself. ` +
              `To link it again, delete the void auth state (aws s3 rm --recursive ${options.authLocation}): ` +
              "the relay notices, shows a new QR code, and you scan it",
          );
          waitForRepair();
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
