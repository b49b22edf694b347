/**
 * Discord payload builders and request signing for tests: snowflakes, an Ed25519 signer made with
 * WebCrypto (the app's key pair, as Discord holds the private half), slash-command and PING
 * interactions, and gateway MESSAGE_CREATE data — typed by discord-api-types.
 */
import type {
  APIChatInputApplicationCommandInteraction,
  APIMessageComponentButtonInteraction,
  APIPingInteraction,
  GatewayMessageCreateDispatchData,
} from "discord-api-types/v10";

const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** A fresh snowflake made at `ms` (default now): its timestamp reads back as `ms`. */
export function snowflake(ms = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return String(((BigInt(ms) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment);
}

const hex = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(new Uint8Array(bytes)).toString("hex");

/** An application's Ed25519 key pair: Discord signs with the private key, apps verify with the public one. */
export interface Signer {
  /** The public key as the Developer Portal shows it (64 hex digits). */
  readonly publicKeyHex: string;
  /** Hex signature of utf8(timestamp) + body. */
  sign(timestamp: string, body: string | Uint8Array): Promise<string>;
}

/** Generates a key pair with WebCrypto. */
export async function createSigner(): Promise<Signer> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const publicKeyHex = hex(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    publicKeyHex,
    async sign(timestamp, body) {
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      const message = Buffer.concat([Buffer.from(timestamp, "utf8"), Buffer.from(bytes)]);
      return hex(await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, message));
    },
  };
}

/** Unix seconds as Discord sends them in X-Signature-Timestamp. */
export const unixSeconds = (ms = Date.now()) => String(Math.floor(ms / 1000));

/** How a test wants a request signed. */
export type Signing =
  | "valid"
  /** Signed by another key. */
  | "wrong-key"
  /** Valid signature, then the body changed. */
  | "tampered"
  /** No signature headers at all. */
  | "none";

/** Headers of an interaction delivery, signed as asked (`timestamp` in Unix seconds, default now). */
export async function signedHeaders(
  signer: Signer,
  body: string,
  options: { signing?: Signing; timestamp?: string } = {},
): Promise<Record<string, string>> {
  const signing = options.signing ?? "valid";
  const timestamp = options.timestamp ?? unixSeconds();
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Discord-Interactions/1.0 (+https://discord.com)",
  };
  if (signing === "none") return headers;
  const by = signing === "wrong-key" ? await createSigner() : signer;
  const signed = signing === "tampered" ? `${body} ` : body;
  headers["x-signature-ed25519"] = await by.sign(timestamp, signed);
  headers["x-signature-timestamp"] = timestamp;
  return headers;
}

const user = (id: string, name: string) => ({
  id,
  username: name.toLowerCase(),
  global_name: name,
  discriminator: "0",
  avatar: null,
});

/** Input for {@link commandInteraction}. */
export interface CommandInput {
  applicationId: string;
  /** `ask`, `new`, an admin's `allow` … (or anything, to test unknown commands). */
  name: string;
  /** The `prompt` option (for /ask). */
  prompt?: string;
  /** Other string options by name (`code` of /allow, `user` of /revoke). */
  options?: Record<string, string>;
  /** A file for `/ask file:` (an ATTACHMENT option), resolved as Discord sends it: id, name, type, size, CDN URL. */
  file?: { id: string; filename: string; contentType?: string; size: number; url: string };
  userId?: string;
  userName?: string;
  channelId?: string;
  /** A server interaction (member + guild_id) unless `dm`. */
  guildId?: string;
  dm?: boolean;
  /** When Discord made it (the id's timestamp), default now. */
  at?: number;
}

/** Input for {@link buttonInteraction}. */
export interface ButtonInput {
  applicationId: string;
  /** The button's custom_id. */
  customId: string;
  /** The bot's message the button is under. */
  messageId: string;
  channelId: string;
  userId?: string;
  userName?: string;
  /** A server channel's button (member + guild_id) unless `dm`. @default true */
  dm?: boolean;
}

/** A press of a message button (MESSAGE_COMPONENT, component type 2) as Discord POSTs it. */
export function buttonInteraction(input: ButtonInput): APIMessageComponentButtonInteraction {
  const id = snowflake();
  const who = user(input.userId ?? "100000000000000001", input.userName ?? "Ada");
  const dm = input.dm ?? true;
  return {
    id,
    application_id: input.applicationId,
    type: 3,
    token: `aW50ZXJhY3Rpb246${id}:${crypto.randomUUID().replaceAll("-", "")}`,
    version: 1,
    data: { custom_id: input.customId, component_type: 2 },
    message: { id: input.messageId, channel_id: input.channelId, content: "", components: [] },
    channel_id: input.channelId,
    channel: { id: input.channelId, type: dm ? 1 : 0 },
    app_permissions: "2248473465835073",
    locale: "en-US",
    entitlements: [],
    authorizing_integration_owners: {},
    attachment_size_limit: 10_485_760,
    ...(dm
      ? { user: who, context: 1 }
      : { guild_id: "200000000000000001", member: { user: who }, context: 0 }),
  } as unknown as APIMessageComponentButtonInteraction;
}

/** A slash-command interaction as Discord POSTs it. */
export function commandInteraction(input: CommandInput): APIChatInputApplicationCommandInteraction {
  const id = snowflake(input.at);
  const options = [
    ...(input.prompt === undefined ? [] : [{ name: "prompt", type: 3, value: input.prompt }]),
    ...Object.entries(input.options ?? {}).map(([name, value]) => ({ name, type: 3, value })),
    ...(input.file === undefined ? [] : [{ name: "file", type: 11, value: input.file.id }]),
  ];
  const attachment = input.file && {
    id: input.file.id,
    filename: input.file.filename,
    ...(input.file.contentType === undefined ? {} : { content_type: input.file.contentType }),
    size: input.file.size,
    url: input.file.url,
    proxy_url: input.file.url,
  };
  const who = user(input.userId ?? "100000000000000001", input.userName ?? "Ada");
  const channelId = input.channelId ?? "300000000000000001";
  const place = input.dm
    ? { user: who, context: 1 }
    : {
        guild_id: input.guildId ?? "200000000000000001",
        guild: { id: input.guildId ?? "200000000000000001", locale: "en-US", features: [] },
        member: {
          user: who,
          roles: [],
          joined_at: "2026-01-01T00:00:00.000000+00:00",
          deaf: false,
          mute: false,
          flags: 0,
          permissions: "2248473465835073",
        },
        context: 0,
      };
  return {
    id,
    application_id: input.applicationId,
    type: 2,
    token: `aW50ZXJhY3Rpb246${id}:${crypto.randomUUID().replaceAll("-", "")}`,
    version: 1,
    data: {
      id: "400000000000000001",
      name: input.name,
      type: 1,
      ...(options.length === 0 ? {} : { options }),
      ...(attachment ? { resolved: { attachments: { [attachment.id]: attachment } } } : {}),
    },
    channel_id: channelId,
    channel: { id: channelId, type: input.dm ? 1 : 0 },
    app_permissions: "2248473465835073",
    locale: "en-US",
    entitlements: [],
    authorizing_integration_owners: { 0: input.guildId ?? "200000000000000001" },
    attachment_size_limit: 10_485_760,
    ...place,
  } as unknown as APIChatInputApplicationCommandInteraction;
}

/** The PING Discord sends to check an endpoint. */
export function pingInteraction(applicationId: string): APIPingInteraction {
  return {
    id: snowflake(),
    application_id: applicationId,
    type: 1,
    token: `aW50ZXJhY3Rpb246${crypto.randomUUID()}`,
    version: 1,
    app_permissions: "0",
    entitlements: [],
    authorizing_integration_owners: {},
    attachment_size_limit: 10_485_760,
  } as unknown as APIPingInteraction;
}

/** Input for {@link messageCreate}. */
export interface MessageInput {
  content: string;
  channelId?: string;
  /** Omit for a DM. */
  guildId?: string;
  userId?: string;
  userName?: string;
  bot?: boolean;
  mentions?: string[];
  attachments?: { filename: string; content_type?: string; size: number }[];
}

/** A gateway MESSAGE_CREATE's data, as the relay receives it. */
export function messageCreate(input: MessageInput): GatewayMessageCreateDispatchData {
  const id = snowflake();
  const channelId = input.channelId ?? "300000000000000002";
  return {
    id,
    channel_id: channelId,
    ...(input.guildId ? { guild_id: input.guildId } : {}),
    type: 0,
    author: {
      ...user(input.userId ?? "100000000000000001", input.userName ?? "Ada"),
      ...(input.bot ? { bot: true } : {}),
    },
    content: input.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: (input.mentions ?? []).map((m) => user(m, "Relay Bot")),
    mention_roles: [],
    attachments: (input.attachments ?? []).map((a) => {
      const attachmentId = snowflake();
      const url = `https://cdn.discordapp.com/attachments/${channelId}/${attachmentId}/${a.filename}`;
      return { id: attachmentId, ...a, url, proxy_url: url.replace("cdn.", "media.") };
    }),
    embeds: [],
    pinned: false,
    flags: 0,
  } as unknown as GatewayMessageCreateDispatchData;
}
