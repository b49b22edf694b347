/**
 * What the suite needs to know about a channel to attack it and to run it: its routes, how the
 * platform signs a delivery, what genuine deliveries look like, and (for the fault simulation) how to
 * run its platform fake and read back who got which reply. One profile per channel, in one table
 * (./index.ts); a channel whose bundles exist but that has no profile is reported as not covered.
 */
import type { EnvVars } from "../../../emulators/aws-env.ts";
import type { HeaderSet } from "../mutators.ts";
import type { Rng } from "../rng.ts";

/** An ingress route. */
export interface Route {
  readonly method: "GET" | "POST";
  readonly path: string;
}

/** One HTTP request to the ingress, as API Gateway would pass it on. */
export interface Delivery {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[]>;
  readonly headers: HeaderSet;
  /** The bytes the client sent (API Gateway may base64-encode them in the event). */
  readonly body?: Uint8Array;
}

/** A genuine payload of some kind the platform sends (a message, a handshake, an event we ignore). */
export interface Seed {
  readonly kind: string;
  readonly route: Route;
  /** The JSON body (POST). */
  readonly body?: unknown;
  /** Query parameters (a GET handshake), sent as they are; their proof is added by `sign`. */
  readonly query?: Record<string, string>;
  /** The platform sends it, but the relay answers it 4xx (an interaction type it never registered). */
  readonly refused?: boolean;
}

/** How a channel proves a delivery came from the platform. */
export interface Signing {
  /** Headers whose values carry the proof (signature, timestamp, shared token) of a POST. */
  readonly authHeaders: readonly string[];
  /** Query parameters whose values carry the proof (a GET handshake's verify token). */
  readonly authQuery?: readonly string[];
  /** The header a forger would flip bits in. */
  readonly signatureHeader: string;
  /** The timestamp header, for channels with a replay window. */
  readonly timestampHeader?: string;
  /** Seconds a signed timestamp stays acceptable either way; undefined: no replay window. */
  readonly replayWindowSeconds?: number;
  /** Whether the proof covers the body (HMAC, Ed25519) or not (a shared token). */
  readonly coversBody: boolean;
  /**
   * The headers (and query additions) a genuine delivery of `body` on `route` carries at `nowMs`.
   * `other: true` signs with a different secret or key, as a forger who has the wrong one would.
   */
  sign(
    route: Route,
    body: Uint8Array,
    options: { nowMs: number; other?: boolean },
  ): Promise<{ headers: HeaderSet; query?: Record<string, string> }>;
  /** Extra forged deliveries peculiar to the channel (e.g. a wrong verify token on a GET handshake). */
  extraForgeries?(rng: Rng, nowMs: number): Promise<{ label: string; delivery: Delivery }[]>;
}

/** One user message the fault simulation sends. */
export interface SimMessage {
  /** Conversation index and message sequence within it (0-based). */
  readonly conversation: number;
  readonly seq: number;
  /** A unique, printable token the agent echoes back: how a reply is attributed to its message. */
  readonly token: string;
  /** The platform user id of the sender. */
  readonly userId: string;
  /** A unique event number (update_id, event id …). */
  readonly eventNumber: number;
  /** What the user writes (default: the token); an admin's command carries its own text. */
  readonly text?: string;
}

/** What the bot sent on the platform, in arrival order. */
export interface SentReply {
  /** The conversation index the reply went to (or undefined when it went nowhere we know). */
  readonly conversation: number | undefined;
  /** The message (seq) it answers, when the platform tells (reply-to, thread, interaction). */
  readonly replyTo: number | undefined;
  readonly text: string;
  /** When the platform accepted it (ms since the epoch). */
  readonly at: number;
}

/** A request the platform makes to the ingress, and the answer it got. */
export type Send = (request: {
  route: Route;
  headers: HeaderSet;
  body: Uint8Array;
  query?: Record<string, string>;
}) => Promise<{ status: number | undefined; body: string }>;

/** A platform fake run for the fault simulation. */
export interface SimPlatform {
  /** The fake's origin: the worker reaches it through a per-function fault proxy. */
  readonly url: string;
  /** Worker/ingress environment pointing the channel at the fake (its API URL is `apiUrl`). */
  env(apiUrl: string): EnvVars;
  /**
   * Delivers `message` to the ingress as the platform does, through `send`; resolves with the HTTP
   * status the ingress answered. Platforms that sign with the channel's static secret use
   * {@link deliverSigned}; Discord signs with the key its fake holds and records the deferred answer.
   */
  deliver(message: SimMessage, send: Send): Promise<number | undefined>;
  /** The envelope id (`channel:eventId`) the ingress gives `message`, as the worker logs it. */
  envelopeIdOf(message: SimMessage): string;
  /** How many times the platform repeats a delivery answered 5xx (Infinity: until it is accepted). */
  readonly retries: number;
  /** Everything the bot sent so far, oldest first. */
  sent(): SentReply[];
  /**
   * Starts posting the platform's delivery reports for the bot's sends (WhatsApp's status webhooks) to
   * the ingress through `send`; platforms without them leave this out.
   */
  reportStatuses?(send: Send): void;
  /** Whether a proxied request is a send of a reply (where platform faults are injected). */
  isSend(method: string, path: string, body: string): boolean;
  /** The platform's 429 with a retry-after of `seconds`, and its 5xx, in its own wire format. */
  tooManyRequests(seconds: number): { status: number; headers?: Record<string, string>; body: string };
  serverError(): { status: number; headers?: Record<string, string>; body: string };
  /** Secret or token values the fake handed out at run time (Discord interaction tokens). */
  hidden(): string[];
  close(): Promise<void>;
}

/** Delivers a JSON payload signed the way the channel's profile signs. */
export async function deliverSigned(
  signing: Signing,
  route: Route,
  payload: unknown,
  send: Send,
): Promise<number | undefined> {
  const body = new TextEncoder().encode(JSON.stringify(payload));
  const proof = await signing.sign(route, body, { nowMs: Date.now() });
  return (await send({ route, headers: proof.headers, body, ...(proof.query ? { query: proof.query } : {}) }))
    .status;
}

/** Who may talk to the bot in the simulation, by conversation. */
export interface SimUsers {
  /** The allowed user writing in conversation `c` (platform user id as ALLOWED_USERS lists it). */
  allowed(conversation: number): string;
  /** A stranger writing in conversation `c`. */
  stranger(conversation: number): string;
  /**
   * Where the channel's conversations are groups: conversation `c`'s id as the envelope names it (under
   * `pairing` a group must be allowed before anyone is answered there); undefined for one-to-one chats.
   */
  group?(conversation: number): string;
}

/** A channel, as the suite sees it. */
export interface ChannelProfile {
  readonly channel: string;
  readonly routes: readonly Route[];
  /** The channel secret's JSON (the SECRET_ARN value). */
  readonly secret: Record<string, string>;
  /** Values that must never appear in a log line, by label. */
  readonly hidden: ReadonlyMap<string, string>;
  /** Users of the simulation, as the channel writes them in ALLOWED_USERS. */
  readonly users: SimUsers;
  readonly signing: Signing;
  /** Extra environment for the handlers (e.g. DISCORD_PUBLIC_KEY), besides the platform's URL. */
  readonly env: EnvVars;
  /** A genuine payload of a random kind, with random content. */
  seed(rng: Rng): Seed;
  /** Secret values the seeds handed out so far (Discord interaction tokens), for the log scan. */
  issuedSecrets?(): Iterable<string>;
  /** Starts the platform fake (API calls of ingress and worker). */
  startPlatform(): Promise<SimPlatform>;
}

/** Adds the encoded forms of each secret (URL-encoded, base64) so a logged URL or header is caught too. */
export function hiddenValues(values: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [label, value] of Object.entries(values)) {
    out.set(label, value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) out.set(`${label} (URL-encoded)`, encoded);
    out.set(`${label} (base64)`, Buffer.from(value).toString("base64").replace(/=+$/, ""));
  }
  return out;
}
