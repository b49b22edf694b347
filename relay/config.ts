import { isIP } from "node:net";
import { boolEnv, intEnv, optionalEnv } from "../handlers/core/config.ts";
import { ConfigError } from "../handlers/core/errors.ts";
import { DISCORD_API_URL } from "./discord/gateway.ts";
import { USER_JID } from "./whatsapp/jid.ts";
import type { RelayMediaSettings } from "./whatsapp/media.ts";

/**
 * The relay's configuration, from environment variables, read once at start and checked with errors
 * that name the variable and the fix. Each integration is on when its queue is configured.
 */
export interface RelayConfig {
  /** Port of the health endpoint. @default 8080 */
  readonly port: number;
  /**
   * HEALTH_HOST: the address the health endpoint listens on. The container default, 0.0.0.0, lets an
   * orchestrator's probe reach it; tests and a laptop use 127.0.0.1. @default "127.0.0.1" when started
   * from code, "0.0.0.0" from the environment
   */
  readonly hostname?: string;
  /** How long SIGTERM waits for in-flight work, in ms (ECS waits 30 s before SIGKILL). @default 20000 */
  readonly shutdownTimeoutMs: number;
  /** STATE_BUCKET: S3 bucket of the relay's state (WhatsApp auth state and QR code, the Discord session). */
  readonly stateBucket?: string;
  readonly discord?: DiscordConfig;
  readonly whatsapp?: WhatsAppConfig;
}

export interface DiscordConfig {
  /** DISCORD_QUEUE_URL: the Discord module's FIFO queue. */
  readonly queueUrl: string;
  /** DISCORD_BOT_TOKEN, when given directly. */
  readonly token?: string;
  /** DISCORD_SECRET_ARN: the Discord module's secret (JSON with `bot_token`), when the token is not given. */
  readonly secretArn?: string;
  /** DISCORD_API_URL. */
  readonly apiUrl: string;
}

export interface WhatsAppConfig {
  /** WHATSAPP_PERSONAL_QUEUE_URL: the FIFO queue the WhatsApp-personal worker answers. */
  readonly queueUrl: string;
  /** OUTBOUND_QUEUE_URL: the FIFO queue of replies the relay sends. */
  readonly outboundQueueUrl: string;
  /** STATE_BUCKET: the S3 bucket holding the session's auth state and the pairing QR code. */
  readonly bucket: string;
  /** AUTH_PREFIX: key prefix in the bucket. @default "whatsapp-personal/" */
  readonly prefix: string;
  /**
   * WHATSAPP_ALLOWED_USERS: the JIDs whose messages reach the agent (`491701234567@s.whatsapp.net`,
   * `<hidden id>@lid`), or `*` for everyone. Anyone else is dropped by the relay, unanswered.
   */
  readonly allowedUsers: readonly string[];
  /** WHATSAPP_GROUP_TRIGGER: a word that, starting a group message, addresses the bot (besides an @mention). */
  readonly groupTrigger?: string;
  /** WHATSAPP_LOG_QR: also print the pairing QR code in the log (else only the PNG in the bucket). @default false */
  readonly logQr: boolean;
  /**
   * WHATSAPP_MEDIA_BUCKET (the WhatsApp-personal module's media bucket), WHATSAPP_MAX_ATTACHMENT_BYTES
   * (default 20 MiB) and WHATSAPP_MAX_ATTACHMENTS (default 10): where the relay stores the files users send
   * (relay/whatsapp/media.ts), within the worker's limits. Unset: files reach the agent as metadata only.
   */
  readonly media?: RelayMediaSettings;
}

const env = (name: string) => process.env[name]?.trim() || undefined;

function requireWith(name: string, because: string): string {
  const value = env(name);
  if (!value) throw new ConfigError(`${name} is not set: it is required ${because}`);
  return value;
}

function ipAddress(name: string, value: string): string {
  if (isIP(value) === 0) {
    throw new ConfigError(
      `${name}=${JSON.stringify(value)} is not an IP address (0.0.0.0, 127.0.0.1, ::1 …)`,
    );
  }
  return value;
}

function url(name: string, value: string): string {
  if (!URL.canParse(value)) throw new ConfigError(`${name}=${JSON.stringify(value)} is not a URL`);
  return value;
}

/** WHATSAPP_ALLOWED_USERS: comma-separated user JIDs, or `*`; a bad entry is named. */
function allowedUsers(raw: string): string[] {
  const ids = raw
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (id !== "*" && !USER_JID.test(id)) {
      throw new ConfigError(
        `WHATSAPP_ALLOWED_USERS has ${JSON.stringify(id)}, which is not a WhatsApp user JID: write phone numbers ` +
          'as "491701234567@s.whatsapp.net" (country code and number, no +), hidden ids as "<id>@lid", or "*" for everyone',
      );
    }
  }
  if (ids.length === 0) throw new ConfigError("WHATSAPP_ALLOWED_USERS lists nobody: list user JIDs, or *");
  return ids;
}

/** WHATSAPP_GROUP_TRIGGER: one word of up to 32 characters, no spaces. */
function groupTrigger(raw: string | undefined): { groupTrigger?: string } {
  if (raw === undefined) return {};
  if (!/^\S{1,32}$/u.test(raw)) {
    throw new ConfigError(
      `WHATSAPP_GROUP_TRIGGER=${JSON.stringify(raw)} is not one word: use up to 32 characters without spaces, e.g. "!ai"`,
    );
  }
  return { groupTrigger: raw };
}

/** WHATSAPP_MEDIA_BUCKET and the limits beside it (the worker's defaults: 20 MiB, 10 files). */
function whatsappMedia(bucket: string | undefined): { media?: RelayMediaSettings } {
  if (bucket === undefined) return {};
  return {
    media: {
      bucket,
      maxBytes: intEnv("WHATSAPP_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024, 1, 100 * 1024 * 1024),
      maxCount: intEnv("WHATSAPP_MAX_ATTACHMENTS", 10, 0, 20),
    },
  };
}

/** Reads the relay's configuration; throws a ConfigError naming the bad variable. */
export function readRelayConfig(): RelayConfig {
  const discordQueue = env("DISCORD_QUEUE_URL");
  const token = env("DISCORD_BOT_TOKEN");
  const secretArn = env("DISCORD_SECRET_ARN");
  if ((token || secretArn) && !discordQueue) {
    throw new ConfigError("DISCORD_QUEUE_URL is not set: set it to the Discord module's queue_url");
  }
  if (discordQueue && !token && !secretArn) {
    throw new ConfigError(
      "Discord needs DISCORD_SECRET_ARN (the Discord module's secret_arn) or DISCORD_BOT_TOKEN",
    );
  }
  const discord: DiscordConfig | undefined = discordQueue
    ? {
        queueUrl: url("DISCORD_QUEUE_URL", discordQueue),
        ...(token ? { token } : { secretArn }),
        apiUrl: url("DISCORD_API_URL", optionalEnv("DISCORD_API_URL", DISCORD_API_URL)),
      }
    : undefined;

  const whatsappQueue = env("WHATSAPP_PERSONAL_QUEUE_URL");
  const because = "for WhatsApp personal (WHATSAPP_PERSONAL_QUEUE_URL is set)";
  const whatsapp: WhatsAppConfig | undefined = whatsappQueue
    ? {
        queueUrl: url("WHATSAPP_PERSONAL_QUEUE_URL", whatsappQueue),
        outboundQueueUrl: url("OUTBOUND_QUEUE_URL", requireWith("OUTBOUND_QUEUE_URL", because)),
        bucket: requireWith("STATE_BUCKET", because),
        prefix: optionalEnv("AUTH_PREFIX", "whatsapp-personal/"),
        allowedUsers: allowedUsers(requireWith("WHATSAPP_ALLOWED_USERS", because)),
        ...groupTrigger(env("WHATSAPP_GROUP_TRIGGER")),
        logQr: boolEnv("WHATSAPP_LOG_QR"),
        ...whatsappMedia(env("WHATSAPP_MEDIA_BUCKET")),
      }
    : undefined;
  if (!discord && !whatsapp) {
    throw new ConfigError(
      "nothing to relay: set DISCORD_QUEUE_URL (Discord chat) and/or WHATSAPP_PERSONAL_QUEUE_URL (WhatsApp personal)",
    );
  }
  const stateBucket = env("STATE_BUCKET");
  return {
    port: intEnv("PORT", 8080, 0, 65535),
    hostname: ipAddress("HEALTH_HOST", optionalEnv("HEALTH_HOST", "0.0.0.0")),
    shutdownTimeoutMs: intEnv("SHUTDOWN_TIMEOUT_MS", 20_000, 0, 120_000),
    ...(stateBucket ? { stateBucket } : {}),
    ...(discord ? { discord } : {}),
    ...(whatsapp ? { whatsapp } : {}),
  };
}
