import type { AuthenticationState } from "baileys";

/**
 * The small interface the relay needs from a WhatsApp connection. Baileys implements it (baileys.ts);
 * tests drive the relay with a fake one. Messages are passed as Baileys gives them (validated by
 * inbound.ts), so the fake speaks the same shapes as the real thing.
 */

/** Why a connection closed, as far as the relay acts on it. */
export type CloseReason =
  /** The phone unlinked this device (or WhatsApp did): the auth state is void, pair again. */
  | "logged_out"
  /** Expected right after pairing: connect again at once. */
  | "restart_required"
  /** Another session with the same credentials took over: do not fight it. */
  | "replaced"
  /** Network, timeout, server restart …: reconnect with back-off. */
  | "lost";

export type ConnectionUpdate =
  | { readonly state: "connecting" }
  /** A pairing code to show as a QR code; a new one comes every ~20 s until scanned. */
  | { readonly state: "qr"; readonly code: string }
  | { readonly state: "open"; readonly me: { readonly id: string; readonly lid?: string } }
  | { readonly state: "closed"; readonly reason: CloseReason; readonly detail: string };

export interface WhatsAppEvents {
  onUpdate(update: ConnectionUpdate): void;
  /** New messages (Baileys' messages.upsert of type "notify"), unvalidated. */
  onMessages(messages: readonly unknown[]): void;
  /** The credentials changed: persist them (Baileys' creds.update). */
  onCredsUpdate(): void;
}

/** A quoted message: its id and, in groups, its sender. */
export interface Quote {
  readonly id: string;
  readonly participant?: string;
  /** The start of the quoted message's text, shown in the quote bubble. */
  readonly text?: string;
}

/** A file the relay sends, downloaded from the media bucket. */
export interface OutgoingFile {
  readonly bytes: Uint8Array;
  readonly mime: string;
  readonly name: string;
  readonly kind: "image" | "audio" | "voice" | "video" | "document";
  readonly caption?: string | undefined;
}

export interface WhatsAppSocket {
  /** Sends a text message; rejects when WhatsApp did not take it. */
  sendText(chatJid: string, text: string, quote?: Quote): Promise<void>;
  /** Shows "typing…" in a chat. */
  sendComposing(chatJid: string): Promise<void>;
  /**
   * The decrypted bytes of a message's media (`message` as Baileys delivered it: the media key is in it),
   * at most `maxBytes` of them: rejects with a {@link MediaTooLarge} beyond, or another error when WhatsApp
   * did not serve it (after asking the phone to upload it again, where it expired).
   */
  downloadMedia(message: unknown, maxBytes: number): Promise<Uint8Array>;
  /** Sends a file (an image, a voice note, audio, video, a document); rejects when WhatsApp did not take it. */
  sendFile(chatJid: string, file: OutgoingFile): Promise<void>;
  /** Closes the connection without logging out. */
  end(): void;
}

/** Opens a connection with the given auth state; events arrive through `events`. */
export type ConnectWhatsApp = (auth: AuthenticationState, events: WhatsAppEvents) => WhatsAppSocket;

/** The media is larger than the relay takes (`maxBytes`). */
export class MediaTooLarge extends Error {
  override name = "MediaTooLarge";
  constructor(readonly maxBytes: number) {
    super(`the media is larger than ${maxBytes} bytes`);
  }
}
