/**
 * A fake WhatsApp connection for tests (not part of the program): implements the relay's
 * ConnectWhatsApp with Baileys' own message shapes, records what the relay sends, and lets a test
 * play WhatsApp: show a QR code, open, close for a reason, deliver messages, change credentials.
 */
import type { AuthenticationState, WAMessage } from "baileys";
import { CallLog } from "../../emulators/http.ts";
import {
  type CloseReason,
  type ConnectWhatsApp,
  MediaTooLarge,
  type OutgoingFile,
  type Quote,
  type WhatsAppEvents,
  type WhatsAppSocket,
} from "./socket.ts";

/** The account the fake relay is logged in as. */
export const FAKE_ME = { id: "4915550000001:7@s.whatsapp.net", lid: "123456789012345:7@lid" };

/** Something the relay sent. */
export type Sent =
  | { kind: "text"; chatJid: string; text: string; quote?: Quote; connection: number }
  | { kind: "composing"; chatJid: string; connection: number }
  | { kind: "file"; chatJid: string; file: OutgoingFile; connection: number };

/** One connection the relay opened. */
export interface FakeConnection {
  readonly number: number;
  readonly auth: AuthenticationState;
  readonly events: WhatsAppEvents;
  ended: boolean;
}

export class FakeWhatsApp {
  readonly connections = new CallLog<FakeConnection>();
  readonly sent = new CallLog<Sent>();
  /** Errors the next sends reject with, in order. */
  readonly failures: Error[] = [];
  /** The media WhatsApp serves, by message id (what downloadMedia gives). */
  readonly media = new Map<string, Uint8Array>();
  /** Errors the next media downloads reject with, in order. */
  readonly mediaFailures: Error[] = [];
  /** The message ids whose media the relay downloaded, in order. */
  readonly downloads: string[] = [];

  /** The ConnectWhatsApp to give the relay. */
  readonly connect: ConnectWhatsApp = (auth, events) => {
    const connection: FakeConnection = {
      number: this.connections.items.length + 1,
      auth,
      events,
      ended: false,
    };
    this.connections.push(connection);
    const fake = this;
    const socket: WhatsAppSocket = {
      async sendText(chatJid, text, quote) {
        fake.check(connection);
        fake.sent.push({
          kind: "text",
          chatJid,
          text,
          ...(quote ? { quote } : {}),
          connection: connection.number,
        });
      },
      async sendComposing(chatJid) {
        fake.check(connection);
        fake.sent.push({ kind: "composing", chatJid, connection: connection.number });
      },
      async downloadMedia(message, maxBytes) {
        const id = (message as WAMessage).key?.id ?? "";
        fake.downloads.push(id);
        const failure = fake.mediaFailures.shift();
        if (failure) throw failure;
        const bytes = fake.media.get(id);
        if (!bytes) throw new Error(`no media for message ${id}`);
        if (bytes.byteLength > maxBytes) throw new MediaTooLarge(maxBytes);
        return bytes;
      },
      async sendFile(chatJid, file) {
        fake.check(connection);
        fake.sent.push({ kind: "file", chatJid, file, connection: connection.number });
      },
      end() {
        connection.ended = true;
      },
    };
    queueMicrotask(() => events.onUpdate({ state: "connecting" }));
    return socket;
  };

  private check(connection: FakeConnection): void {
    if (connection.ended) throw new Error("connection closed");
    const failure = this.failures.shift();
    if (failure) throw failure;
  }

  /** The latest connection (waits for it). */
  async latest(count = this.connections.items.length || 1): Promise<FakeConnection> {
    return this.connections.waitFor((items) => (items.length >= count ? items[count - 1] : undefined));
  }

  qr(connection: FakeConnection, code = "2@fakePairingRef,fakeNoiseKey,fakeIdentityKey,fakeAdvSecret"): void {
    connection.events.onUpdate({ state: "qr", code });
  }

  open(connection: FakeConnection, me = FAKE_ME): void {
    connection.events.onUpdate({ state: "open", me });
  }

  close(connection: FakeConnection, reason: CloseReason, detail = "closed by the fake"): void {
    connection.ended = true;
    connection.events.onUpdate({ state: "closed", reason, detail });
  }

  /** Pairs: sets `me` in the credentials and signals creds.update, as Baileys does after a scan. */
  pair(connection: FakeConnection): void {
    connection.auth.creds.me = { id: FAKE_ME.id, lid: FAKE_ME.lid, name: "Relay" };
    connection.auth.creds.registered = true;
    connection.events.onCredsUpdate();
  }

  deliver(connection: FakeConnection, ...messages: WAMessage[]): void {
    connection.events.onMessages(messages);
  }
}

let counter = 0;
/** A fresh WhatsApp message id. */
export const waId = () => `3EB0${(++counter).toString(16).toUpperCase().padStart(16, "0")}`;

/** Input of {@link waText}. */
export interface WaTextInput {
  text: string;
  /** The chat: a person's JID (direct) or a group's. @default "4915551234567@s.whatsapp.net" */
  chatJid?: string;
  /** The sender in a group. */
  participant?: string;
  pushName?: string;
  fromMe?: boolean;
  /** JIDs mentioned (their "@user" must be in `text`). */
  mentions?: string[];
  /** The sender of the message this one replies to. */
  quotedParticipant?: string;
  id?: string;
}

/** A text message as Baileys delivers it (extendedTextMessage when it has context, else conversation). */
export function waText(input: WaTextInput): WAMessage {
  const chatJid = input.chatJid ?? "4915551234567@s.whatsapp.net";
  const context =
    input.mentions || input.quotedParticipant
      ? {
          ...(input.mentions ? { mentionedJid: input.mentions } : {}),
          ...(input.quotedParticipant
            ? {
                participant: input.quotedParticipant,
                stanzaId: waId(),
                quotedMessage: { conversation: "earlier" },
              }
            : {}),
        }
      : undefined;
  return {
    key: {
      remoteJid: chatJid,
      fromMe: input.fromMe ?? false,
      id: input.id ?? waId(),
      ...(input.participant ? { participant: input.participant } : {}),
    },
    message: context
      ? { extendedTextMessage: { text: input.text, contextInfo: context } }
      : { conversation: input.text },
    messageTimestamp: Math.floor(Date.now() / 1000),
    pushName: input.pushName ?? "Grace",
  };
}

/** Input of {@link waMedia}. */
export interface WaMediaInput {
  kind: "image" | "document" | "audio";
  /** The type the sender's app states. */
  mimetype: string;
  /** The size the sender's app states (protobuf int64 as Baileys gives it: a number here). */
  fileLength: number;
  caption?: string;
  fileName?: string;
  /** A voice note (audio). */
  ptt?: boolean;
  chatJid?: string;
  pushName?: string;
  id?: string;
}

/** A media message as Baileys delivers it: the media fields, the keys and the CDN path it downloads by. */
export function waMedia(input: WaMediaInput): WAMessage {
  const chatJid = input.chatJid ?? "4915551234567@s.whatsapp.net";
  const media = {
    url: "https://mmg.whatsapp.net/v/t62.7118-24/fake.enc",
    directPath: "/v/t62.7118-24/fake.enc",
    mediaKey: new Uint8Array(32).fill(7),
    fileSha256: new Uint8Array(32).fill(1),
    fileEncSha256: new Uint8Array(32).fill(2),
    mimetype: input.mimetype,
    fileLength: input.fileLength,
    ...(input.caption ? { caption: input.caption } : {}),
    ...(input.fileName ? { fileName: input.fileName } : {}),
    ...(input.ptt ? { ptt: true } : {}),
  };
  const field = `${input.kind}Message` as const;
  return {
    key: { remoteJid: chatJid, fromMe: false, id: input.id ?? waId() },
    message: { [field]: media },
    messageTimestamp: Math.floor(Date.now() / 1000),
    pushName: input.pushName ?? "Grace",
  };
}
