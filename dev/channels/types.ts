/**
 * A channel as the local emulator sees it: its dev secret, its fake platform API, how a user's
 * message is delivered (signed, exactly as the platform would), and how the bot's API calls look
 * in the chat. One file per channel with this shape, like handlers/<channel>/.
 */

/** The emulated person typing in the page. */
export interface DevUser {
  readonly id: string;
  readonly name: string;
}

/** What the page draws for a bot action: a message, an edit of one, a typing indicator, a status line. */
export interface UiEvent {
  readonly channel: string;
  readonly kind: "message" | "edit" | "typing" | "status";
  /** Message id, for edits. */
  readonly id?: string;
  /** Safe HTML of the message as the platform would show it. */
  readonly html?: string;
  /** Plain text, for status lines ("reacted 👀", "marked read"). */
  readonly text?: string;
  readonly at: number;
}

/** A platform webhook delivery: what the platform would send to the ingress. */
export interface Delivery {
  readonly method: "POST" | "GET";
  /** Path and query on the ingress. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The envelope id the message becomes (`channel:eventId`), to follow it on the timeline. */
  readonly envelopeId: string;
}

/** The running fake platform API of one channel. */
export interface DevPlatform {
  /** Environment for the channel's thread (the `*_API_URL` pointing at the fake). */
  readonly env: Record<string, string>;
  /** UI events for the bot's API calls since the last drain. */
  drain(): UiEvent[];
  close(): Promise<void>;
}

export interface DevChannel {
  /** handlers/<name>. */
  readonly name: string;
  /** Shown on the tab. */
  readonly title: string;
  /** The channel's Secrets Manager JSON for local runs. */
  readonly secret: Record<string, string>;
  /** Extra environment for the channel's thread (e.g. DISCORD_PUBLIC_KEY). */
  readonly env?: Record<string, string>;
  /** Starts the fake platform API. */
  start(): Promise<DevPlatform>;
  /** A user's message, as the platform would deliver it. */
  deliver(text: string, user: DevUser): Promise<Delivery>;
}
