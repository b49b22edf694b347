import { SQSClient } from "@aws-sdk/client-sqs";
import { log } from "../../handlers/core/log.ts";
import type { Outbound, OutboundFile } from "../../handlers/whatsapp-personal/outbound.ts";
import { intake } from "../accept.ts";
import type { WhatsAppConfig } from "../config.ts";
import type { Integration, RelayContext } from "../context.ts";
import type { ObjectStore } from "../store.ts";
import { whatsappAccess } from "./access.ts";
import { storedAuthState } from "./auth-state.ts";
import { MessageSchema, toEnvelope } from "./inbound.ts";
import { storeMedia } from "./media.ts";
import { pollOutbound } from "./outbound.ts";
import { clearQr, showQr } from "./qr.ts";
import { type Session, startSession } from "./session.ts";
import type { ConnectWhatsApp, OutgoingFile } from "./socket.ts";

/** What tests replace: the socket (a fake instead of Baileys), the timings. */
export interface WhatsAppOverrides {
  readonly connect?: ConnectWhatsApp;
  readonly outboundWaitSeconds?: number;
  readonly outboundRetryDelay?: (receiveCount: number) => number;
  readonly reconnectDelayMs?: number;
  readonly unlinkedCheckMs?: number;
  readonly mediaRetryDelaysMs?: readonly number[];
}

/**
 * WhatsApp personal: a Baileys session whose new messages become envelopes on the WhatsApp-personal
 * queue, and whose replies come from the outbound queue (the worker cannot hold a session).
 */
export async function startWhatsAppIntegration(
  config: WhatsAppConfig,
  store: ObjectStore,
  context: RelayContext,
  overrides: WhatsAppOverrides = {},
): Promise<Integration> {
  const connect = overrides.connect ?? (await import("./baileys.ts")).connectBaileys;
  const access = whatsappAccess(config.allowedUsers, config.groupTrigger);
  if (config.allowedUsers.includes("*")) {
    log.warn("whatsapp.everyone_allowed", {
      hint: "WHATSAPP_ALLOWED_USERS=*: anyone who writes to this account gets the agent's answers from it",
    });
  }
  // Files are downloaded through the session (the only holder of their keys) and stored before queueing.
  const media = config.media;
  let session: Session | undefined;
  const accept = intake({
    connection: "whatsapp",
    schema: MessageSchema,
    queueUrl: config.queueUrl,
    context,
    ...(media
      ? {
          prepare: (envelope, raw) =>
            storeMedia(envelope, raw, media, {
              download: async (message, maxBytes) => {
                const socket = session?.socket;
                if (!socket) throw new Error("the WhatsApp session is not open");
                return socket.downloadMedia(message, maxBytes);
              },
              put: async (key, bytes, mime, name) => {
                const { putObject } = await import("../../handlers/core/media/s3-client.ts");
                await putObject(media.bucket, key, bytes, mime, name);
              },
              ...(overrides.mediaRetryDelaysMs ? { retryDelaysMs: overrides.mediaRetryDelaysMs } : {}),
            }),
        }
      : {}),
  });
  session = await startSession({
    connect,
    loadAuth: () => storedAuthState(store, config.prefix),
    authLocation: `s3://${config.bucket}/${config.prefix}`,
    connections: context.connections,
    ...(overrides.reconnectDelayMs === undefined ? {} : { reconnectDelayMs: overrides.reconnectDelayMs }),
    ...(overrides.unlinkedCheckMs === undefined ? {} : { unlinkedCheckMs: overrides.unlinkedCheckMs }),
    onQr: (code) => showQr(code, store, { bucket: config.bucket, prefix: config.prefix, log: config.logQr }),
    onOpen: () => clearQr(store, config.prefix),
    onMessages(messages, me) {
      for (const raw of messages) accept(raw, (message) => toEnvelope(message, me, access));
    },
  });

  const send = async (message: Outbound) => {
    const socket = session.socket;
    if (!socket) throw new Error("the WhatsApp session is not open");
    if (message.kind === "typing") return socket.sendComposing(message.chatJid);
    if (message.kind === "file") return socket.sendFile(message.chatJid, await downloadOutgoing(message));
    await socket.sendText(
      message.chatJid,
      message.text,
      message.quotedId
        ? {
            id: message.quotedId,
            ...(message.participant ? { participant: message.participant } : {}),
            ...(message.quotedText ? { text: message.quotedText } : {}),
          }
        : undefined,
    );
  };
  const sqs = new SQSClient({});
  const polling = new AbortController();
  const poller = pollOutbound(
    {
      sqs,
      queueUrl: config.outboundQueueUrl,
      send,
      ready: () => session.socket !== undefined,
      readyChange: () => session.changed(),
      ...(overrides.outboundWaitSeconds === undefined ? {} : { waitSeconds: overrides.outboundWaitSeconds }),
      ...(overrides.outboundRetryDelay ? { retryDelay: overrides.outboundRetryDelay } : {}),
    },
    polling.signal,
  ).catch((err: unknown) => log.error("outbound.poller_failed", { err }));
  // Shutdown waits for the poll in progress and the sends it brought.
  context.inflight.track(poller);

  return {
    quiesce: () => polling.abort(),
    async close() {
      polling.abort();
      await poller;
      session.stop();
      sqs.destroy();
    },
  };
}

/** Longest a file download from the media bucket may take. */
const FILE_DOWNLOAD_MS = 60_000;

/**
 * The bytes of a file the worker queued, from its presigned URL in the media bucket (the worker wrote it;
 * the size it queued is checked). A failure rejects: the message is tried again like a failed send.
 */
export async function downloadOutgoing(message: OutboundFile): Promise<OutgoingFile> {
  const response = await fetch(message.url, { signal: AbortSignal.timeout(FILE_DOWNLOAD_MS) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`the file could not be downloaded from the media bucket: HTTP ${response.status}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength !== message.size)
    throw new Error(`the file from the media bucket has ${bytes.byteLength} bytes, not ${message.size}`);
  return {
    bytes,
    mime: message.mime,
    name: message.name,
    kind: message.fileKind,
    ...(message.caption ? { caption: message.caption } : {}),
  };
}
