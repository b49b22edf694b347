import makeWASocket, {
  type AnyMessageContent,
  Browsers,
  DisconnectReason,
  downloadMediaMessage,
  makeCacheableSignalKeyStore,
  type WAMessage,
} from "baileys";
import { log } from "../../handlers/core/log.ts";
import { type CloseReason, type ConnectWhatsApp, MediaTooLarge, type OutgoingFile } from "./socket.ts";

/** Baileys' logger interface, over our JSON logs: warnings and errors only (Baileys is chatty). */
function baileysLogger(bindings: Record<string, unknown> = {}) {
  const at = (level: "warn" | "error") => (obj: unknown, msg?: string) =>
    log[level]("whatsapp.baileys", {
      ...bindings,
      message: msg ?? (typeof obj === "string" ? obj : undefined),
      ...(obj instanceof Error ? { err: obj } : {}),
    });
  const quiet = () => {};
  const logger = {
    level: "warn",
    child: (more: Record<string, unknown>) => baileysLogger({ ...bindings, ...more }),
    trace: quiet,
    debug: quiet,
    info: quiet,
    warn: at("warn"),
    error: at("error"),
  };
  return logger;
}

/** Baileys' disconnect status codes, as the relay acts on them. */
export function closeReason(statusCode: number | undefined): CloseReason {
  switch (statusCode) {
    case DisconnectReason.loggedOut:
      return "logged_out";
    case DisconnectReason.restartRequired:
      return "restart_required";
    case DisconnectReason.connectionReplaced:
      return "replaced";
    default:
      return "lost";
  }
}

/**
 * The WhatsApp connection through Baileys (a linked device of the user's account). No full history
 * sync and no "online" presence: the relay answers new messages only and must not keep the phone from
 * getting notifications.
 */
export const connectBaileys: ConnectWhatsApp = (auth, events) => baileysConnector()(auth, events);

/** A Baileys connector; `waWebSocketUrl` points it at another server (a loopback one in tests). */
export function baileysConnector(options: { waWebSocketUrl?: string } = {}): ConnectWhatsApp {
  return (auth, events) => connect(auth, events, options.waWebSocketUrl);
}

function connect(
  auth: Parameters<ConnectWhatsApp>[0],
  events: Parameters<ConnectWhatsApp>[1],
  waWebSocketUrl: string | undefined,
): ReturnType<ConnectWhatsApp> {
  const logger = baileysLogger();
  const socket = makeWASocket({
    ...(waWebSocketUrl ? { waWebSocketUrl } : {}),
    auth: { creds: auth.creds, keys: makeCacheableSignalKeyStore(auth.keys, logger) },
    logger,
    browser: Browsers.ubuntu("agentcore-relay"),
    markOnlineOnConnect: false,
    // Baileys' default history sync stays on (it carries the phone-number ↔ hidden-id mappings);
    // what it brings arrives as "append", not "notify", and is not answered.
    syncFullHistory: false,
    // Used to re-send a message WhatsApp asks for again; the relay keeps no message store.
    getMessage: async () => undefined,
  });
  socket.ev.on("creds.update", () => events.onCredsUpdate());
  socket.ev.on("connection.update", (update) => {
    if (update.qr) events.onUpdate({ state: "qr", code: update.qr });
    if (update.connection === "connecting") events.onUpdate({ state: "connecting" });
    if (update.connection === "open" && socket.user) {
      events.onUpdate({
        state: "open",
        me: { id: socket.user.id, ...(socket.user.lid ? { lid: socket.user.lid } : {}) },
      });
    }
    if (update.connection === "close") {
      const error = update.lastDisconnect?.error as
        | { output?: { statusCode?: number }; message?: string }
        | undefined;
      const statusCode = error?.output?.statusCode;
      events.onUpdate({
        state: "closed",
        reason: closeReason(statusCode),
        detail: `${statusCode ?? "no status"}: ${error?.message ?? "connection closed"}`,
      });
    }
  });
  socket.ev.on("messages.upsert", ({ messages, type }) => {
    if (type === "notify") events.onMessages(messages);
  });
  return {
    async sendText(chatJid, text, quote) {
      await socket.sendMessage(
        chatJid,
        { text },
        quote
          ? {
              quoted: {
                key: {
                  remoteJid: chatJid,
                  id: quote.id,
                  fromMe: false,
                  ...(quote.participant ? { participant: quote.participant } : {}),
                },
                message: { conversation: quote.text ?? "" },
              },
            }
          : undefined,
      );
    },
    async sendComposing(chatJid) {
      await socket.sendPresenceUpdate("composing", chatJid);
    },
    downloadMedia: (message, maxBytes) =>
      downloadMedia(message, maxBytes, { logger, reuploadRequest: socket.updateMediaMessage }),
    async sendFile(chatJid, file) {
      await socket.sendMessage(chatJid, fileContent(file));
    },
    end() {
      socket.end(undefined);
    },
  };
}

/**
 * The decrypted media of `message` through Baileys (its URL, its media key), as a stream counted as it
 * comes: past `maxBytes` it is dropped with a MediaTooLarge, never held whole. With `ctx`, media WhatsApp no
 * longer serves (404, 410) is asked of the phone again (`reuploadRequest`) and downloaded once more.
 */
export async function downloadMedia(
  message: unknown,
  maxBytes: number,
  ctx?: Parameters<typeof downloadMediaMessage>[3],
): Promise<Uint8Array> {
  const stream = await downloadMediaMessage(message as WAMessage, "stream", {}, ctx);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      stream.destroy();
      throw new MediaTooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A file as Baileys sends it: by kind, with its type, name (documents) and caption (not on audio). */
export function fileContent(file: OutgoingFile): AnyMessageContent {
  const data = Buffer.from(file.bytes);
  const caption = file.caption ? { caption: file.caption } : {};
  switch (file.kind) {
    case "image":
      return { image: data, mimetype: file.mime, ...caption };
    case "video":
      return { video: data, mimetype: file.mime, ...caption };
    case "voice":
      // A voice note: Ogg/Opus, played in the chat's voice-note bubble.
      return { audio: data, mimetype: "audio/ogg; codecs=opus", ptt: true };
    case "audio":
      return { audio: data, mimetype: file.mime, ptt: false };
    default:
      return { document: data, mimetype: file.mime, fileName: file.name, ...caption };
  }
}
