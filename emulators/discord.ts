/**
 * Fake Discord REST API (v10) on loopback. Point `DISCORD_API_URL` at `url`. Speaks what the relay
 * uses, with Discord's auth and error shapes: bot routes want `Authorization: Bot <token>` (else
 * 401), webhook routes carry the interaction token in the path (unknown or expired → 404 Unknown
 * Webhook, code 10015), errors are `{ message, code }` and 429s `{ message, retry_after, global }`
 * with a Retry-After header. Setting the interactions endpoint URL checks it as Discord does: a
 * signed PING must get a PONG and a badly signed one a 401 (else 400 Invalid Form Body). Messages the bot
 * posted can be edited and deleted (through the interaction's webhook while its token lives; with the bot
 * token in the channel), and every route is rate limited per channel or webhook with Discord's headers
 * (emulators/discord-limits.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIApplicationCommand, RESTPostAPIApplicationCommandsJSONBody } from "discord-api-types/v10";
import {
  createSigner,
  pingInteraction,
  type Signer,
  type Signing,
  signedHeaders,
  snowflake,
} from "./discord-interactions.ts";
import { DISCORD_LIMITS, type DiscordLimits, discordLimiter } from "./discord-limits.ts";
import { type FileShelf, fileShelf } from "./files.ts";
import { CallLog, listen, readBody, Script, type ScriptOptions, sendJson, sleep } from "./http.ts";

/** Credentials the fake accepts by default. */
export const DEFAULT_DISCORD_APP = {
  applicationId: "150000000000000001",
  botUserId: "150000000000000001",
  botToken: "MTUwMDAwMDAwMDAwMDAwMDAx.FAKE.discord-bot-token_0123456789",
} as const;

/** Interaction tokens live 15 minutes. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;

/** One recorded REST request. */
export interface DiscordCall {
  /** `METHOD /route/{template}`, the same names the relay's client uses, e.g. `POST /channels/{channel}/messages`. */
  route: string;
  method: string;
  path: string;
  params: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
  at: number;
  response?: { status: number; body: unknown };
}

/** A scripted answer: an HTTP reply, a delay before normal processing, or a dropped connection. */
export type DiscordReply =
  | { status: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  | { delayMs: number }
  | { destroy: true };

/** Builders for Discord's error replies. */
export const discordErrors = {
  /** 429 with `retry_after` in seconds (a float) and the Retry-After header (whole seconds). */
  rateLimited(retryAfter: number, global = false) {
    return {
      status: 429,
      body: { message: "You are being rate limited.", retry_after: retryAfter, global },
      headers: {
        "retry-after": String(Math.ceil(retryAfter)),
        "x-ratelimit-scope": global ? "global" : "user",
      },
    };
  },
  unknownWebhook: () => ({ status: 404, body: { message: "Unknown Webhook", code: 10015 } }),
  missingAccess: () => ({ status: 403, body: { message: "Missing Access", code: 50001 } }),
  unknownChannel: () => ({ status: 404, body: { message: "Unknown Channel", code: 10003 } }),
  unauthorized: () => ({ status: 401, body: { message: "401: Unauthorized", code: 0 } }),
  serverError: () => ({ status: 500, body: { message: "500: Internal Server Error", code: 0 } }),
  formError: (field: string, code: string, message: string) => ({
    status: 400,
    body: {
      message: "Invalid Form Body",
      code: 50035,
      errors: { [field]: { _errors: [{ code, message }] } },
    },
  }),
};

/** A message as the fake stores it (current state, after edits). */
export interface FakeMessage {
  id: string;
  channelId: string;
  content: string;
  /** `bot` for channel posts with the bot token; `interaction` for @original and follow-ups. */
  via: "bot" | "interaction";
  interactionId?: string;
  /** The deferred response, before its first edit. */
  deferred?: boolean;
  /** How often it was edited after it was posted (PATCH of the message by id). */
  edits?: number;
  body: Record<string, unknown>;
  /** Files uploaded with it (multipart `files[n]`), their bytes on the attachments shelf under `id`. */
  attachments?: FakeAttachment[];
}

/** A file a bot message carries, as Discord lists it. */
export interface FakeAttachment {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  description?: string;
}

/** Largest file a bot may upload (10 MiB without boosts). */
export const DISCORD_UPLOAD_LIMIT = 10 * 1024 * 1024;

/** Where a request's uploaded files sit in its recorded body (beside payload_json's fields). */
export const UPLOADED = "files[]";

/** A `files[n]` part of a multipart request. */
interface Upload {
  readonly index: number;
  readonly filename: string;
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** A multipart body as Discord reads it: the JSON of `payload_json`, and each `files[n]`. */
async function readMultipart(
  raw: Buffer,
  type: string,
): Promise<{ payload: Record<string, unknown>; files: Upload[] }> {
  const form = await new Response(new Uint8Array(raw), { headers: { "content-type": type } }).formData();
  const json = form.get("payload_json");
  const payload = typeof json === "string" ? (JSON.parse(json) as Record<string, unknown>) : {};
  const files: Upload[] = [];
  for (const [key, value] of form.entries()) {
    const index = /^files\[(\d+)\]$/.exec(key)?.[1];
    const entry = value as unknown;
    if (index === undefined || typeof entry === "string") continue;
    const file = entry as Blob & { name?: string };
    files.push({
      index: Number(index),
      filename: file.name ?? `file${index}`,
      type: file.type,
      bytes: new Uint8Array(await file.arrayBuffer()),
    });
  }
  return { payload, files };
}

/** Delivers a signed interaction to an endpoint and returns its answer. */
export type InteractionTransport = (
  url: string,
  request: { headers: Record<string, string>; body: string },
) => Promise<{ status: number; body: string }>;

/** Posts to the URL over HTTP, as Discord does. */
export const httpTransport: InteractionTransport = async (url, request) => {
  const response = await fetch(url, { method: "POST", headers: request.headers, body: request.body });
  return { status: response.status, body: await response.text() };
};

export interface DiscordOptions {
  applicationId?: string;
  botToken?: string;
  botUserId?: string;
  /** Channels the bot may not post to (403 Missing Access). */
  forbiddenChannels?: string[];
  /** How interactions reach the endpoint (default HTTP; tests may call a Lambda handler). */
  transport?: InteractionTransport;
  /** Per-route buckets (default {@link DISCORD_LIMITS}); false: none. */
  rateLimits?: Partial<DiscordLimits> | false;
  /** Users whose DMs the bot may not open (50007 Cannot send messages to this user). */
  blockedDms?: string[];
}

interface IssuedToken {
  interactionId: string;
  channelId: string;
  issuedAt: number;
  expired: boolean;
}

export interface FakeDiscord {
  readonly url: string;
  readonly applicationId: string;
  readonly botToken: string;
  readonly botUserId: string;
  /** The app's key pair: what the endpoint verifies against. */
  readonly signer: Signer;
  readonly calls: readonly DiscordCall[];
  readonly messages: readonly FakeMessage[];
  /**
   * Attachments users posted, served at `/attachments/<id>/<name>` without credentials, as Discord's CDN
   * serves them (their signed URL is {@link FakeDiscord.cdnUrl}).
   */
  readonly attachments: FileShelf;
  /** The CDN URL of shelf file `id`, with the signature parameters Discord adds. */
  cdnUrl(id: string, name: string): string;
  readonly commands: readonly APIApplicationCommand[];
  readonly interactionsEndpointUrl: string | null;
  /** Queues a reply for the next call of `route` (`"*"` for any). */
  script(route: string, reply: DiscordReply, options?: ScriptOptions<DiscordCall>): void;
  callsOf(route: string): DiscordCall[];
  /** Contents of messages in a channel (interaction responses included), oldest first. */
  sent(channelId?: string): string[];
  /** The @original response of an interaction. */
  original(interactionId: string): FakeMessage | undefined;
  /**
   * Signs and delivers an interaction (an object, or a raw body) to `url` (default: the registered
   * endpoint); a 200 answer of type 4 or 5 creates the @original response, as on Discord.
   */
  deliver(
    interaction: object | string,
    options?: { url?: string; signing?: Signing; timestamp?: string },
  ): Promise<{ status: number; body: string; json: unknown }>;
  /**
   * Discord has the interaction but not yet our answer to it: its webhook token works, and there is
   * no @original to edit (Unknown Message) until {@link deliver} brings the deferred response.
   */
  issue(interaction: { id: string; token: string; channel_id?: string }): void;
  /** Whether the app deleted the interaction's @original response (DELETE …/messages/@original). */
  deletedOriginal(interactionId: string): boolean;
  /** The DM channel the bot opened with a user (POST /users/@me/channels), if any. */
  dmChannel(userId: string): string | undefined;
  /** Makes an interaction's token expire now. */
  expire(interactionId: string): void;
  waitFor<R>(
    predicate: (calls: readonly DiscordCall[]) => R | undefined | null | false,
    timeoutMs?: number,
  ): Promise<R>;
  /** Clears calls, scripts, messages, tokens, commands and the endpoint URL. */
  reset(): void;
  readonly errors: readonly unknown[];
  close(): Promise<void>;
}

const ROUTES: [string, RegExp, boolean][] = [
  ["PUT /applications/{application}/commands", /^\/applications\/(?<application>\d+)\/commands$/, true],
  ["GET /applications/{application}/commands", /^\/applications\/(?<application>\d+)\/commands$/, true],
  ["GET /applications/@me", /^\/applications\/@me$/, true],
  ["PATCH /applications/@me", /^\/applications\/@me$/, true],
  [
    "PATCH /webhooks/{application}/{token}/messages/@original",
    /^\/webhooks\/(?<application>\d+)\/(?<token>[^/]+)\/messages\/@original$/,
    false,
  ],
  [
    "DELETE /webhooks/{application}/{token}/messages/@original",
    /^\/webhooks\/(?<application>\d+)\/(?<token>[^/]+)\/messages\/@original$/,
    false,
  ],
  ["POST /webhooks/{application}/{token}", /^\/webhooks\/(?<application>\d+)\/(?<token>[^/]+)$/, false],
  [
    "PATCH /webhooks/{application}/{token}/messages/{message}",
    /^\/webhooks\/(?<application>\d+)\/(?<token>[^/]+)\/messages\/(?<message>\d+)$/,
    false,
  ],
  [
    "DELETE /webhooks/{application}/{token}/messages/{message}",
    /^\/webhooks\/(?<application>\d+)\/(?<token>[^/]+)\/messages\/(?<message>\d+)$/,
    false,
  ],
  ["POST /channels/{channel}/messages", /^\/channels\/(?<channel>\d+)\/messages$/, true],
  [
    "PATCH /channels/{channel}/messages/{message}",
    /^\/channels\/(?<channel>\d+)\/messages\/(?<message>\d+)$/,
    true,
  ],
  [
    "DELETE /channels/{channel}/messages/{message}",
    /^\/channels\/(?<channel>\d+)\/messages\/(?<message>\d+)$/,
    true,
  ],
  ["POST /channels/{channel}/typing", /^\/channels\/(?<channel>\d+)\/typing$/, true],
  ["POST /users/@me/channels", /^\/users\/@me\/channels$/, true],
];

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/** Discord's rules for message components as far as the relay uses them: action rows of buttons. */
function invalidComponents(components: unknown): Reply | undefined {
  if (components === undefined) return undefined;
  const bad = (why: string) => discordErrors.formError("components", "COMPONENT_INVALID", why);
  if (!Array.isArray(components) || components.length > 5) return bad("At most 5 action rows.");
  for (const row of components as Record<string, unknown>[]) {
    const buttons = row?.components;
    if (row?.type !== 1 || !Array.isArray(buttons) || buttons.length === 0 || buttons.length > 5)
      return bad("An action row holds 1 to 5 components.");
    for (const button of buttons as Record<string, unknown>[]) {
      const id = button?.custom_id;
      if (button?.type !== 2 || typeof button.label !== "string" || button.label.length > 80)
        return bad("A button needs a label of at most 80 characters.");
      if (typeof id !== "string" || id.length === 0 || id.length > 100)
        return bad("A button needs a custom_id of 1 to 100 characters.");
    }
  }
  return undefined;
}
const error = (status: number, message: string, code: number): Reply => ({ status, body: { message, code } });

/** Starts a fake Discord REST API on 127.0.0.1. */
export async function startDiscord(options: DiscordOptions = {}): Promise<FakeDiscord> {
  const applicationId = options.applicationId ?? DEFAULT_DISCORD_APP.applicationId;
  const botToken = options.botToken ?? DEFAULT_DISCORD_APP.botToken;
  const botUserId = options.botUserId ?? DEFAULT_DISCORD_APP.botUserId;
  const forbidden = new Set(options.forbiddenChannels ?? []);
  const transport = options.transport ?? httpTransport;
  const signer = await createSigner();
  const log = new CallLog<DiscordCall>();
  const scripted = new Script<DiscordCall, DiscordReply>();
  const errors: unknown[] = [];
  let messages: FakeMessage[] = [];
  let commands: APIApplicationCommand[] = [];
  let endpoint: string | null = null;
  const tokens = new Map<string, IssuedToken>();
  const limiter = discordLimiter(
    options.rateLimits === false ? false : { ...DISCORD_LIMITS, ...options.rateLimits },
  );
  /** DM channels by user id (POST /users/@me/channels), and users who accept no DMs from the bot. */
  const dmChannels = new Map<string, string>();
  /** Interactions whose @original response the app deleted. */
  const deleted = new Set<string>();
  const blockedDms = new Set(options.blockedDms ?? []);
  const attachments = fileShelf("4000000000000000");

  const register = (interaction: { id: string; token: string; channel_id?: string | undefined }) => {
    const issuedAt = Number((BigInt(interaction.id) >> 22n) + 1_420_070_400_000n);
    tokens.set(interaction.token, {
      interactionId: interaction.id,
      channelId: interaction.channel_id ?? "",
      issuedAt,
      expired: false,
    });
  };

  const tokenFor = (token: string): IssuedToken | undefined => {
    const issued = tokens.get(token);
    if (!issued || issued.expired || Date.now() - issued.issuedAt > INTERACTION_TOKEN_TTL_MS)
      return undefined;
    return issued;
  };

  /** Content rules of every message route; undefined when the body is fine. */
  const invalidContent = (body: Record<string, unknown>): Reply | undefined => {
    const content = body.content;
    if (content !== undefined && typeof content !== "string") {
      return discordErrors.formError("content", "BASE_TYPE_STRING", "Could not interpret as string.");
    }
    if (typeof content === "string" && content.length > 2000) {
      return discordErrors.formError("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.");
    }
    const files = body[UPLOADED];
    if (!content && !(Array.isArray(files) && files.length > 0))
      return error(400, "Cannot send an empty message", 50006);
    return invalidComponents(body.components);
  };

  const post = (
    channelId: string,
    body: Record<string, unknown>,
    via: FakeMessage["via"],
    interactionId?: string,
  ) => {
    const uploaded = shelve(body);
    const message: FakeMessage = {
      id: snowflake(),
      channelId,
      content: String(body.content ?? ""),
      via,
      body,
      ...(interactionId ? { interactionId } : {}),
      ...(uploaded ? { attachments: uploaded } : {}),
    };
    messages.push(message);
    return message;
  };

  /** The files of a multipart request, put on the attachments shelf (served by the CDN route). */
  const shelve = (body: Record<string, unknown>): FakeAttachment[] | undefined => {
    const files = body[UPLOADED] as Upload[] | undefined;
    if (!files?.length) return undefined;
    const described = Array.isArray(body.attachments) ? (body.attachments as Record<string, unknown>[]) : [];
    return files.map((file) => {
      const stored = attachments.add(file.bytes, { contentType: file.type || "application/octet-stream" });
      const meta = described.find((a) => String(a.id) === String(file.index));
      return {
        id: stored.id,
        filename: typeof meta?.filename === "string" ? meta.filename : file.filename,
        content_type: stored.contentType,
        size: file.bytes.byteLength,
        ...(typeof meta?.description === "string" ? { description: meta.description } : {}),
      };
    });
  };

  const asApiMessage = (m: FakeMessage) => ({
    id: m.id,
    channel_id: m.channelId,
    content: m.content,
    attachments: (m.attachments ?? []).map((a) => ({
      ...a,
      url: `${server.url}/attachments/${a.id}/${encodeURIComponent(a.filename)}`,
    })),
    type: m.via === "interaction" ? 20 : 0,
    author: {
      id: botUserId,
      username: "relay-bot",
      global_name: null,
      discriminator: "0",
      avatar: null,
      bot: true,
    },
    timestamp: new Date().toISOString(),
  });

  /** Edits (PATCH) or deletes (DELETE) a message of the bot's. */
  const change = (message: FakeMessage, method: string, body: Record<string, unknown>): Reply => {
    if (method === "DELETE") {
      messages = messages.filter((m) => m !== message);
      return { status: 204, body: undefined };
    }
    const invalid = invalidContent(body);
    if (invalid) return invalid;
    message.content = String(body.content);
    message.body = { ...message.body, ...body };
    message.edits = (message.edits ?? 0) + 1;
    return { status: 200, body: asApiMessage(message) };
  };

  async function checkEndpoint(url: string): Promise<boolean> {
    const ping = JSON.stringify(pingInteraction(applicationId));
    try {
      const good = await transport(url, { headers: await signedHeaders(signer, ping), body: ping });
      if (good.status !== 200 || (JSON.parse(good.body) as { type?: number }).type !== 1) return false;
      const bad = await transport(url, {
        headers: await signedHeaders(signer, ping, { signing: "tampered" }),
        body: ping,
      });
      return bad.status === 401;
    } catch {
      return false;
    }
  }

  async function route(call: DiscordCall): Promise<Reply> {
    const body = (call.body ?? {}) as Record<string, unknown>;
    switch (call.route) {
      case "PUT /applications/{application}/commands": {
        if (call.params.application !== applicationId) return error(403, "Missing Access", 50001);
        if (!Array.isArray(call.body))
          return discordErrors.formError("_errors", "LIST_TYPE_CONVERT", "Not a list.");
        const list = call.body as RESTPostAPIApplicationCommandsJSONBody[];
        for (const c of list) {
          if (!/^[-_\p{L}\p{N}]{1,32}$/u.test(c.name) || c.name !== c.name.toLowerCase()) {
            return discordErrors.formError(
              "name",
              "APPLICATION_COMMAND_INVALID_NAME",
              "Command name is invalid",
            );
          }
          // Discord's rule for options: the required ones come before the optional ones.
          const options = (c as { options?: { required?: boolean }[] }).options ?? [];
          const required = options.map((o) => o.required === true);
          if (required.some((r, i) => r && required.slice(0, i).includes(false)))
            return discordErrors.formError(
              "options",
              "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
              "Required options must be placed before non-required options",
            );
        }
        commands = list.map(
          (c) =>
            ({
              ...c,
              id: snowflake(),
              application_id: applicationId,
              version: snowflake(),
              default_member_permissions: null,
            }) as unknown as APIApplicationCommand,
        );
        return { status: 200, body: commands };
      }
      case "GET /applications/{application}/commands":
        return { status: 200, body: commands };
      case "GET /applications/@me":
        return {
          status: 200,
          body: { id: applicationId, name: "Relay", interactions_endpoint_url: endpoint },
        };
      case "PATCH /applications/@me": {
        if ("interactions_endpoint_url" in body) {
          const url = body.interactions_endpoint_url;
          if (url === null || url === "") endpoint = null;
          else if (typeof url !== "string" || !(await checkEndpoint(url))) {
            return discordErrors.formError(
              "interactions_endpoint_url",
              "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
              "The specified interactions endpoint url could not be verified.",
            );
          } else endpoint = url;
        }
        return {
          status: 200,
          body: { id: applicationId, name: "Relay", interactions_endpoint_url: endpoint },
        };
      }
      case "PATCH /webhooks/{application}/{token}/messages/@original":
      case "POST /webhooks/{application}/{token}": {
        const issued = tokenFor(call.params.token ?? "");
        if (!issued || call.params.application !== applicationId) return error(404, "Unknown Webhook", 10015);
        const invalid = invalidContent(body);
        if (invalid) return invalid;
        if (call.route.startsWith("POST")) {
          return {
            status: 200,
            body: asApiMessage(post(issued.channelId, body, "interaction", issued.interactionId)),
          };
        }
        const original = messages.find(
          (m) => m.interactionId === issued.interactionId && m.deferred !== undefined,
        );
        if (!original) return error(404, "Unknown Message", 10008);
        original.content = String(body.content ?? "");
        original.body = body;
        const uploaded = shelve(body);
        if (uploaded) original.attachments = uploaded;
        original.deferred = false;
        return { status: 200, body: asApiMessage(original) };
      }
      case "PATCH /webhooks/{application}/{token}/messages/{message}":
      case "DELETE /webhooks/{application}/{token}/messages/{message}": {
        const issued = tokenFor(call.params.token ?? "");
        if (!issued || call.params.application !== applicationId) return error(404, "Unknown Webhook", 10015);
        const message = messages.find(
          (m) => m.id === call.params.message && m.interactionId === issued.interactionId,
        );
        return message ? change(message, call.method, body) : error(404, "Unknown Message", 10008);
      }
      case "PATCH /channels/{channel}/messages/{message}":
      case "DELETE /channels/{channel}/messages/{message}": {
        const channel = call.params.channel ?? "";
        if (forbidden.has(channel)) return error(403, "Missing Access", 50001);
        // The bot edits its own messages: its posts, and its answers to interactions (not while deferred).
        const message = messages.find(
          (m) => m.id === call.params.message && m.channelId === channel && m.deferred !== true,
        );
        return message ? change(message, call.method, body) : error(404, "Unknown Message", 10008);
      }
      case "DELETE /webhooks/{application}/{token}/messages/@original": {
        const issued = tokenFor(call.params.token ?? "");
        if (!issued || call.params.application !== applicationId) return error(404, "Unknown Webhook", 10015);
        const original = messages.find(
          (m) => m.interactionId === issued.interactionId && m.deferred !== undefined,
        );
        if (!original) return error(404, "Unknown Message", 10008);
        messages = messages.filter((m) => m !== original);
        deleted.add(issued.interactionId);
        return { status: 204, body: undefined };
      }
      case "POST /channels/{channel}/messages": {
        const channel = call.params.channel ?? "";
        if (forbidden.has(channel)) return error(403, "Missing Access", 50001);
        const invalid = invalidContent(body);
        if (invalid) return invalid;
        // enforce_nonce: a message the bot already created with this nonce is returned, not posted again.
        if (body.enforce_nonce === true && body.nonce !== undefined) {
          const same = messages.find((m) => m.channelId === channel && m.body.nonce === body.nonce);
          if (same) return { status: 200, body: asApiMessage(same) };
        }
        return { status: 200, body: asApiMessage(post(channel, body, "bot")) };
      }
      case "POST /users/@me/channels": {
        const recipient = body.recipient_id;
        if (typeof recipient !== "string" || !/^\d{17,20}$/.test(recipient))
          return discordErrors.formError("recipient_id", "NUMBER_TYPE_COERCE", "Value is not snowflake.");
        if (blockedDms.has(recipient)) return error(400, "Cannot send messages to this user", 50007);
        // One DM channel per user, as on Discord: the same id every time.
        const channel = dmChannels.get(recipient) ?? snowflake();
        dmChannels.set(recipient, channel);
        return { status: 200, body: { id: channel, type: 1, recipients: [{ id: recipient }] } };
      }
      case "POST /channels/{channel}/typing":
        if (forbidden.has(call.params.channel ?? "")) return error(403, "Missing Access", 50001);
        return { status: 204, body: undefined };
      default:
        return error(404, "404: Not Found", 0);
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://fake-discord");
    const cdn = /^\/attachments\/([^/]+)\/[^/]+$/.exec(url.pathname);
    if (cdn) return attachments.serve(decodeURIComponent(cdn[1] as string), req, res);
    const path = url.pathname.replace(/^\/api\/v10/, "");
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    let body: unknown;
    let tooLarge = false;
    const type = String(req.headers["content-type"] ?? "");
    if (type.startsWith("multipart/form-data")) {
      // payload_json and files[n], as Discord takes uploads.
      const parsed = await readMultipart(raw, type).catch(() => undefined);
      if (!parsed) {
        sendJson(res, 400, { message: "400: Bad Request", code: 0 });
        return;
      }
      tooLarge = parsed.files.some((f) => f.bytes.byteLength > DISCORD_UPLOAD_LIMIT);
      body = { ...parsed.payload, [UPLOADED]: parsed.files };
    } else if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        sendJson(res, 400, { message: "400: Bad Request", code: 0 });
        return;
      }
    }
    const match = ROUTES.map(([name, re, bot]) => ({
      name,
      bot,
      m: name.startsWith(`${method} `) ? re.exec(path) : null,
    })).find((r) => r.m);
    const call: DiscordCall = {
      route: match?.name ?? `${method} ${path}`,
      method,
      path,
      params: Object.fromEntries(
        Object.entries(match?.m?.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
      ),
      authorization: req.headers.authorization,
      body,
      at: Date.now(),
    };
    log.push(call);
    const reply = scripted.take(call);
    if (reply && "destroy" in reply) {
      res.destroy();
      return;
    }
    if (reply?.delayMs) await sleep(reply.delayMs);
    let answer: Reply;
    if (tooLarge) answer = { status: 413, body: { message: "Request entity too large", code: 40005 } };
    else if (reply && "status" in reply) answer = reply;
    else if (match?.bot && req.headers.authorization !== `Bot ${botToken}`)
      answer = discordErrors.unauthorized();
    else {
      const { channel, application, token } = call.params;
      const spent = limiter.spend(call.route, channel ?? `${application}/${token}`);
      answer =
        spent.retryAfter === undefined ? await route(call) : discordErrors.rateLimited(spent.retryAfter);
      answer = { ...answer, headers: { ...spent.headers, ...answer.headers } };
    }
    call.response = { status: answer.status, body: answer.body };
    if (answer.status === 204) {
      res.writeHead(204, answer.headers);
      res.end();
    } else sendJson(res, answer.status, answer.body, answer.headers);
  };

  const server = await listen(handle, (e) => errors.push(e));

  return {
    url: `${server.url}/api/v10`,
    attachments,
    cdnUrl: (id, name) =>
      `${server.url}/attachments/${id}/${encodeURIComponent(name)}?ex=6a000000&is=69f00000&hm=${"0".repeat(64)}`,
    applicationId,
    botToken,
    botUserId,
    signer,
    get calls() {
      return log.items;
    },
    get messages() {
      return messages;
    },
    get commands() {
      return commands;
    },
    get interactionsEndpointUrl() {
      return endpoint;
    },
    errors,
    script(routeName, reply, scriptOptions = {}) {
      const when = scriptOptions.when;
      scripted.push(reply, {
        ...scriptOptions,
        when: (call) => (routeName === "*" || call.route === routeName) && (when ? when(call) : true),
      });
    },
    callsOf: (routeName) => log.items.filter((c) => c.route === routeName),
    sent: (channelId) =>
      messages.filter((m) => channelId === undefined || m.channelId === channelId).map((m) => m.content),
    original: (interactionId) =>
      messages.find((m) => m.interactionId === interactionId && m.deferred !== undefined),
    async deliver(interaction, deliverOptions = {}) {
      const target = deliverOptions.url ?? endpoint;
      if (!target) throw new Error("fake Discord: no interactions endpoint set and no url given");
      const body = typeof interaction === "string" ? interaction : JSON.stringify(interaction);
      const headers = await signedHeaders(signer, body, deliverOptions);
      const answer = await transport(target, { headers, body });
      let json: unknown;
      try {
        json = JSON.parse(answer.body);
      } catch {
        json = undefined;
      }
      const sent = (typeof interaction === "string" ? {} : interaction) as {
        id?: string;
        token?: string;
        channel_id?: string;
      };
      const type = (json as { type?: number } | undefined)?.type;
      if (answer.status === 200 && sent.id && sent.token && (type === 4 || type === 5)) {
        if (!tokens.has(sent.token))
          register({ id: sent.id, token: sent.token, channel_id: sent.channel_id });
        if (!messages.some((m) => m.interactionId === sent.id && m.deferred !== undefined)) {
          const data = (json as { data?: { content?: string } }).data;
          messages.push({
            id: snowflake(),
            channelId: sent.channel_id ?? "",
            content: type === 4 ? String(data?.content ?? "") : "",
            via: "interaction",
            interactionId: sent.id,
            deferred: type === 5,
            body: (json ?? {}) as Record<string, unknown>,
          });
        }
      }
      return { ...answer, json };
    },
    issue(interaction) {
      register(interaction);
    },
    dmChannel: (userId) => dmChannels.get(userId),
    deletedOriginal: (interactionId) => deleted.has(interactionId),
    expire(interactionId) {
      for (const issued of tokens.values()) if (issued.interactionId === interactionId) issued.expired = true;
    },
    waitFor: (predicate, timeoutMs = 2000) =>
      log.waitFor(predicate, timeoutMs, (c) => `${c.route} → ${c.response?.status ?? "…"}`),
    reset() {
      log.clear();
      scripted.reset();
      attachments.reset();
      messages = [];
      commands = [];
      endpoint = null;
      tokens.clear();
      limiter.reset();
      dmChannels.clear();
      deleted.clear();
    },
    close: () => server.close(),
  };
}
