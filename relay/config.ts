import { intEnv, optionalEnv } from "../handlers/core/config.ts";
import { ConfigError } from "../handlers/core/errors.ts";
import { DISCORD_API_URL } from "./discord/gateway.ts";

/**
 * The relay's configuration, from environment variables, read once at start and checked with errors
 * that name the variable and the fix. Each integration is on when its queue is configured.
 */
export interface RelayConfig {
  /** Port of the health endpoint. @default 8080 */
  readonly port: number;
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
}

const env = (name: string) => process.env[name]?.trim() || undefined;

function requireWith(name: string, because: string): string {
  const value = env(name);
  if (!value) throw new ConfigError(`${name} is not set: it is required ${because}`);
  return value;
}

function url(name: string, value: string): string {
  if (!URL.canParse(value)) throw new ConfigError(`${name}=${JSON.stringify(value)} is not a URL`);
  return value;
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
    shutdownTimeoutMs: intEnv("SHUTDOWN_TIMEOUT_MS", 20_000, 0, 120_000),
    ...(stateBucket ? { stateBucket } : {}),
    ...(discord ? { discord } : {}),
    ...(whatsapp ? { whatsapp } : {}),
  };
}
