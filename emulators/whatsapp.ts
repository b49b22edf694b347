/**
 * Fake WhatsApp Cloud API (the Graph API endpoints the relay uses) on loopback, plus builders for the
 * webhook deliveries Meta POSTs and their X-Hub-Signature-256. Point `WHATSAPP_API_URL` at `url`
 * (it carries the version, like https://graph.facebook.com/v23.0).
 *
 * Endpoints: `POST /{phone-number-id}/messages` (send a text, or mark read + typing indicator),
 * `GET /{phone-number-id}`, `POST|DELETE /{app-id}/subscriptions` (with the app access token
 * `<app id>|<app secret>`; a POST runs Meta's callback verification first). Bearer auth, Graph's
 * error shape `{error:{message,type,code,error_subcode,fbtrace_id}}`; `script()` queues one-shot
 * replies such as a rate limit. With a status webhook set, every accepted text message is followed by
 * its `sent` and `delivered` statuses, signed and POSTed like Meta posts them, carrying the message's
 * `biz_opaque_callback_data`.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { PostData, ServerMessage, ServerStatusPayload } from "whatsapp-api-js/types";
import { type FileShelf, fileShelf } from "./files.ts";
import {
  CallLog,
  type LoopbackServer,
  listen,
  readBody,
  Script,
  type ScriptOptions,
  sendJson,
  sleep,
} from "./http.ts";

/** The access token accepted by default (a system user's token looks like this). */
export const DEFAULT_WHATSAPP_TOKEN = "EAAFakeWhatsAppSystemUserToken0123456789";
/** The business phone number the fake knows by default. */
export const DEFAULT_PHONE_NUMBER_ID = "106540352242922";
export const DEFAULT_DISPLAY_PHONE_NUMBER = "15550783881";
/** The Meta app the fake knows by default, and its secret (which signs deliveries). */
export const DEFAULT_APP_ID = "670843887433847";
export const DEFAULT_APP_SECRET = "0123456789abcdef0123456789abcdef";
/** The Graph version in `url`. */
export const GRAPH_VERSION = "v23.0";

/** What a call did, by endpoint. */
export type GraphCallKind =
  | "send"
  | "read"
  | "upload"
  | "phone_number"
  | "subscribe"
  | "unsubscribe"
  | "other";

/** One recorded Graph request. */
export interface GraphCall {
  kind: GraphCallKind;
  httpMethod: string;
  /** Path without the version, e.g. `106540352242922/messages`. */
  path: string;
  token: string | undefined;
  /** JSON or form body merged with the query (form values stay strings). */
  params: Record<string, unknown>;
  contentType: string | undefined;
  at: number;
  /** The response sent (undefined while pending, or for a dropped connection). */
  response?: { status: number; body: unknown };
}

/** An HTTP answer: status, body (a string is sent as text, anything else as JSON), optional delay. */
export interface GraphHttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/**
 * A scripted answer: an HTTP reply, a delay before normal processing, a dropped connection, or a
 * message accepted (recorded, its statuses posted) whose answer is lost on the way back.
 */
export type GraphReply = GraphHttpReply | { delayMs: number } | { destroy: true } | { acceptThenDrop: true };

/** `biz_opaque_callback_data` holds at most 512 bytes. */
const CALLBACK_DATA_MAX_BYTES = 512;

function graphError(
  status: number,
  code: number,
  message: string,
  extra: { type?: string; subcode?: number; details?: string } = {},
): GraphHttpReply {
  return {
    status,
    body: {
      error: {
        message,
        type: extra.type ?? "OAuthException",
        code,
        ...(extra.details === undefined
          ? {}
          : { error_data: { messaging_product: "whatsapp", details: extra.details } }),
        ...(extra.subcode === undefined ? {} : { error_subcode: extra.subcode }),
        fbtrace_id: `A${randomBytes(9).toString("base64url")}`,
      },
    },
  };
}

/** Builders for the error answers the real Cloud API sends. */
export const graphErrors = {
  /** 131047: more than 24 hours since the user's last message. */
  reEngagement: () =>
    graphError(400, 131047, "Re-engagement message", {
      details:
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    }),
  /** 131026: the message could not be delivered (not on WhatsApp, old app, …). */
  undeliverable: () =>
    graphError(400, 131026, "Message Undeliverable.", { details: "Message Undeliverable." }),
  /** 131051: unsupported message type. */
  unsupportedType: () => graphError(400, 131051, "Unsupported message type"),
  /** 100: a parameter is missing or wrong. */
  invalidParameter: (message = "Invalid parameter") => graphError(400, 100, `(#100) ${message}`),
  /** 130429: Cloud API throughput reached. */
  rateLimited: () =>
    graphError(400, 130429, "Rate limit hit", {
      details: "Cloud API message throughput has been reached.",
    }),
  /** 131056: too many messages to the same user in a short time. */
  pairRateLimit: () =>
    graphError(400, 131056, "(Business Account, Consumer Account) pair rate limit hit", {
      details:
        "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
    }),
  /** Graph app/user throttling: 4, 17, 32 or 613. */
  throttled: (code: 4 | 17 | 32 | 613 = 4) =>
    graphError(400, code, `(#${code}) Application request limit reached`),
  /** 190: the access token is invalid or expired. */
  invalidToken: () =>
    graphError(401, 190, "Invalid OAuth access token - Cannot parse access token", {
      type: "OAuthException",
    }),
  /** A JSON 5xx with code 131000 (Something went wrong). */
  serverError: (status = 500) =>
    graphError(status, 131000, "Something went wrong", { type: "OAuthException" }),
  /** The HTML page a front proxy serves when Graph is down. */
  badGateway: (): GraphHttpReply => ({
    status: 502,
    headers: { "content-type": "text/html" },
    body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
  }),
};

/** A message the fake accepted from the business. */
export interface SentMessage {
  id: string;
  phoneNumberId: string;
  /** `to` (phone number) or `recipient` (BSUID), as sent. */
  to: string;
  body: string;
  /** The wamid it replies to (`context.message_id`). */
  replyTo: string | undefined;
  /** `biz_opaque_callback_data`, echoed in the message's statuses. */
  callbackData: string | undefined;
  /** A template message: its name, language and body parameters (`body` then shows them as `name(p1, p2)`). */
  template?: { name: string; language: string; parameters: string[] };
  /** A media message: its type and uploaded media id (`body` is then its caption, or ""). */
  media?: { type: MediaType; id: string; filename?: string };
}

/** The media message types the fake takes, with the largest upload of each (Meta's documented limits). */
export const MEDIA_LIMITS = {
  image: 5 * 1024 * 1024,
  audio: 16 * 1024 * 1024,
  video: 16 * 1024 * 1024,
  document: 100 * 1024 * 1024,
} as const;
export type MediaType = keyof typeof MEDIA_LIMITS;

/** The types each kind takes (others are refused, as Meta refuses them). */
const MEDIA_MIMES: Record<Exclude<MediaType, "document">, readonly string[]> = {
  image: ["image/jpeg", "image/png"],
  audio: ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"],
  video: ["video/mp4", "video/3gpp"],
};

/** Delivers a signed status webhook (raw body, headers) and resolves with the answer's status. */
export type StatusPoster = (body: string, headers: Record<string, string>) => Promise<number>;

/** A status webhook the fake posted about one of the messages it accepted. */
export interface PostedStatus {
  messageId: string;
  status: "sent" | "delivered";
  callbackData: string | undefined;
  /** The webhook's answer (0 when it could not be delivered). */
  answer: number;
}

/** The app's `whatsapp_business_account` webhook subscription. */
export interface AppSubscription {
  callbackUrl: string;
  verifyToken: string;
  fields: string[];
}

/** Runs Meta's callback verification (GET with hub.* parameters); resolves with the answer. */
export type Verifier = (
  url: string,
  query: Record<string, string>,
) => Promise<{ status: number; body: string }>;

/** Options for {@link startWhatsApp}. */
export interface WhatsAppOptions {
  /** Access tokens accepted for phone-number endpoints (default {@link DEFAULT_WHATSAPP_TOKEN}). */
  tokens?: string[];
  /** Business phone numbers by id (default one: {@link DEFAULT_PHONE_NUMBER_ID}). */
  phoneNumbers?: Record<string, { display: string; verifiedName: string }>;
  /** Apps by id with their secrets (default {@link DEFAULT_APP_ID} → {@link DEFAULT_APP_SECRET}). */
  apps?: Record<string, string>;
  /** How the callback is verified on subscribe (default: a real GET with fetch). */
  verifier?: Verifier;
  /**
   * Where statuses of accepted messages go: a URL (POSTed with fetch) or a poster; none by default.
   * See {@link FakeWhatsApp.setStatusWebhook}.
   */
  statusWebhook?: string | StatusPoster;
}

/** A running fake Cloud API. */
export interface FakeWhatsApp {
  /** Base URL with the version, for `WHATSAPP_API_URL`. */
  readonly url: string;
  readonly token: string;
  readonly phoneNumberId: string;
  /**
   * Media users sent, by media id: `GET /{media-id}` gives `{ url, mime_type, file_size, sha256, id }`, the
   * url downloaded with the access token as a Bearer header, as from lookaside.fbsbx.com.
   */
  readonly media: FileShelf;
  readonly appId: string;
  readonly appSecret: string;
  /** Every request so far, in arrival order. */
  readonly calls: readonly GraphCall[];
  /** Text messages accepted, oldest first. */
  readonly messages: readonly SentMessage[];
  /** The app's current webhook subscription, if any. */
  readonly subscription: AppSubscription | undefined;
  /** Queues a reply for the next call of `kind` (`"*"` for any). */
  script(kind: GraphCallKind | "*", reply: GraphReply, options?: ScriptOptions<GraphCall>): void;
  /** Bodies of the text messages accepted, optionally for one recipient. */
  sent(to?: string): string[];
  /** The calls of one kind, oldest first. */
  callsOf(kind: GraphCallKind): GraphCall[];
  /** Resolves once `predicate` is truthy for the calls (checked after every call). */
  waitFor<R>(
    predicate: (calls: readonly GraphCall[]) => R | undefined | null | false,
    timeoutMs?: number,
  ): Promise<R>;
  /** Replaces the callback verifier (e.g. to call a Lambda handler instead of a URL). */
  setVerifier(verifier: Verifier): void;
  /**
   * Posts `sent`, then `delivered` (signed with the app secret, one delivery each) after every text
   * message accepted from now on, to a URL or through a poster (e.g. calling a Lambda handler);
   * undefined stops them. Like Meta, a status whose webhook does not answer 200 is posted again (up to
   * 3 times here).
   */
  setStatusWebhook(target: string | StatusPoster | undefined): void;
  /** The status webhooks posted so far (the last answer of each). */
  readonly statuses: readonly PostedStatus[];
  /** Resolves once every status webhook started so far has been answered. */
  statusesSettled(): Promise<void>;
  /** Clears calls, scripts, messages and the subscription. */
  reset(): void;
  /** Errors thrown inside the fake itself (a bug here, not in the code under test). */
  readonly errors: readonly unknown[];
  close(): Promise<void>;
}

class GraphFailure extends Error {
  constructor(readonly reply: GraphHttpReply) {
    super("graph failure");
  }
}

const fetchVerifier: Verifier = async (url, query) => {
  const target = new URL(url);
  for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
  const response = await fetch(target);
  return { status: response.status, body: await response.text() };
};

const unsupported = (id: string) =>
  graphError(
    400,
    100,
    `Unsupported post request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    { type: "GraphMethodException", subcode: 33 },
  );

/** Starts a fake Cloud API on 127.0.0.1. */
export async function startWhatsApp(options: WhatsAppOptions = {}): Promise<FakeWhatsApp> {
  const tokens = options.tokens ?? [DEFAULT_WHATSAPP_TOKEN];
  const media = fileShelf("wamid-media-");
  const phoneNumbers = options.phoneNumbers ?? {
    [DEFAULT_PHONE_NUMBER_ID]: { display: `+1 555-078-3881`, verifiedName: "Relay Test Number" },
  };
  const apps = options.apps ?? { [DEFAULT_APP_ID]: DEFAULT_APP_SECRET };
  let verifier = options.verifier ?? fetchVerifier;
  const log = new CallLog<GraphCall>();
  const scripted = new Script<GraphCall, GraphReply>();
  const errors: unknown[] = [];
  let messages: SentMessage[] = [];
  let subscription: AppSubscription | undefined;
  let nextId = 1;
  let statusPoster = posterOf(options.statusWebhook);
  let statuses: PostedStatus[] = [];
  const pendingStatuses = new Set<Promise<void>>();

  /** Meta's status webhooks for an accepted message: sent, then delivered, each retried on failure. */
  function postStatuses(message: SentMessage): void {
    const poster = statusPoster;
    if (!poster) return;
    const appSecret = Object.values(apps)[0] as string;
    const run = (async () => {
      for (const status of ["sent", "delivered"] as const) {
        const body = metaJson(
          whatsappDelivery({
            phoneNumberId: message.phoneNumberId,
            statuses: [
              whatsappStatus(status, {
                id: message.id,
                to: message.to,
                ...(message.callbackData === undefined ? {} : { callbackData: message.callbackData }),
              }),
            ],
          }),
        );
        const posted: PostedStatus = {
          messageId: message.id,
          status,
          callbackData: message.callbackData,
          answer: 0,
        };
        statuses.push(posted);
        for (let attempt = 0; attempt < 3 && posted.answer !== 200; attempt++) {
          posted.answer = await poster(body, deliveryHeaders(body, appSecret)).catch(() => 0);
        }
      }
    })().catch((error: unknown) => void errors.push(error));
    pendingStatuses.add(run);
    void run.finally(() => pendingStatuses.delete(run));
  }

  const requireToken = (call: GraphCall) => {
    if (!call.token || !tokens.includes(call.token)) throw new GraphFailure(graphErrors.invalidToken());
  };
  const requireAppToken = (call: GraphCall, appId: string) => {
    if (call.token !== `${appId}|${apps[appId]}`) throw new GraphFailure(graphErrors.invalidToken());
  };
  const invalid = (message: string) => new GraphFailure(graphErrors.invalidParameter(message));

  function messagesEndpoint(call: GraphCall, phoneNumberId: string): unknown {
    requireToken(call);
    if (!phoneNumbers[phoneNumberId]) throw new GraphFailure(unsupported(phoneNumberId));
    const p = call.params;
    if (p.messaging_product !== "whatsapp") throw invalid("The parameter messaging_product is required.");
    if (call.kind === "read") {
      if (typeof p.message_id !== "string" || !p.message_id.startsWith("wamid.")) {
        throw invalid("Invalid parameter message_id");
      }
      const indicator = p.typing_indicator as { type?: unknown } | undefined;
      if (indicator !== undefined && indicator?.type !== "text")
        throw invalid("Invalid parameter typing_indicator");
      return { success: true };
    }
    const to = typeof p.to === "string" ? p.to : typeof p.recipient === "string" ? p.recipient : undefined;
    if (!to) throw invalid("The parameter to is required.");
    if (p.recipient_type !== undefined && p.recipient_type !== "individual" && p.recipient_type !== "group") {
      throw invalid("Invalid parameter recipient_type");
    }
    const template = p.type === "template" ? templateOf(p.template) : undefined;
    const sentMedia = typeof p.type === "string" && p.type in MEDIA_LIMITS ? mediaOf(p) : undefined;
    if (p.type !== "text" && template === undefined && sentMedia === undefined)
      throw new GraphFailure(graphErrors.unsupportedType());
    const body = template
      ? `${template.name}(${template.parameters.join(", ")})`
      : sentMedia
        ? sentMedia.caption
        : (p.text as { body?: unknown } | undefined)?.body;
    if (typeof body !== "string" || (body.trim() === "" && !sentMedia))
      throw invalid("The parameter text['body'] is required.");
    if (body.length > 4096) throw invalid("Param text['body'] must be at most 4096 characters long.");
    const context = p.context as { message_id?: unknown } | undefined;
    if (context !== undefined && typeof context?.message_id !== "string") {
      throw invalid("Invalid parameter context['message_id']");
    }
    const callbackData = p.biz_opaque_callback_data;
    if (
      callbackData !== undefined &&
      (typeof callbackData !== "string" || Buffer.byteLength(callbackData) > CALLBACK_DATA_MAX_BYTES)
    ) {
      throw invalid("Param biz_opaque_callback_data must be at most 512 characters long.");
    }
    const id = `wamid.FAKE${String(nextId++).padStart(8, "0")}`;
    const message: SentMessage = {
      id,
      phoneNumberId,
      to,
      body,
      replyTo: context?.message_id as string | undefined,
      callbackData,
      ...(template ? { template } : {}),
      ...(sentMedia ? { media: sentMedia.media } : {}),
    };
    messages.push(message);
    postStatuses(message);
    return {
      messaging_product: "whatsapp",
      contacts: [{ input: to, ...(typeof p.to === "string" ? { wa_id: to } : { user_id: to }) }],
      messages: [{ id }],
    };
  }

  /** A media message's object (`image: {id, caption?}` …): the media must have been uploaded. */
  function mediaOf(p: Record<string, unknown>): {
    caption: string;
    media: NonNullable<SentMessage["media"]>;
  } {
    const type = p.type as MediaType;
    const object = p[type] as
      | { id?: unknown; link?: unknown; caption?: unknown; filename?: unknown }
      | undefined;
    if (typeof object?.id !== "string" || !media.get(object.id))
      throw invalid(`Param ${type}['id'] is not a valid media id`);
    const caption = typeof object.caption === "string" ? object.caption : "";
    if (type === "audio" && caption !== "") throw invalid("Param audio['caption'] is not allowed");
    if (caption.length > 1024)
      throw invalid(`Param ${type}['caption'] must be at most 1024 characters long.`);
    const filename = typeof object.filename === "string" ? object.filename : undefined;
    return { caption, media: { type, id: object.id, ...(filename ? { filename } : {}) } };
  }

  /**
   * POST /{phone-number-id}/media: a multipart upload (`messaging_product`, `type`, `file`) of a type a
   * message can carry, within its kind's size limit; the media id is then good for a message.
   */
  async function uploadEndpoint(call: GraphCall, phoneNumberId: string, raw: Buffer): Promise<unknown> {
    requireToken(call);
    if (!phoneNumbers[phoneNumberId]) throw new GraphFailure(unsupported(phoneNumberId));
    if (!String(call.contentType ?? "").startsWith("multipart/form-data"))
      throw invalid("The parameter file is required.");
    const form = await new Response(new Uint8Array(raw), {
      headers: { "content-type": String(call.contentType) },
    }).formData();
    if (form.get("messaging_product") !== "whatsapp")
      throw invalid("The parameter messaging_product is required.");
    const file = form.get("file") as unknown as (Blob & { name?: string }) | null;
    if (!file || typeof file === "string") throw invalid("The parameter file is required.");
    const type = String(form.get("type") ?? file.type);
    const kind = (Object.keys(MEDIA_MIMES) as (keyof typeof MEDIA_MIMES)[]).find((k) =>
      MEDIA_MIMES[k].includes(type),
    );
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.byteLength > MEDIA_LIMITS[kind ?? "document"])
      throw invalid(
        `Param file must be a file with a maximum size of ${MEDIA_LIMITS[kind ?? "document"]} bytes`,
      );
    const stored = media.add(bytes, { contentType: type });
    call.params = {
      messaging_product: "whatsapp",
      type,
      file: { filename: file.name, size: bytes.byteLength },
    };
    return { id: stored.id };
  }

  async function subscriptionsEndpoint(call: GraphCall, appId: string): Promise<unknown> {
    if (!apps[appId]) throw new GraphFailure(unsupported(appId));
    requireAppToken(call, appId);
    const p = call.params;
    if (p.object !== "whatsapp_business_account") throw invalid("Param object must be one of {...}");
    const fields = String(p.fields ?? "")
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean);
    if (call.kind === "unsubscribe") {
      if (subscription) {
        subscription.fields =
          fields.length === 0 ? [] : subscription.fields.filter((f) => !fields.includes(f));
        if (subscription.fields.length === 0) subscription = undefined;
      }
      return { success: true };
    }
    const callbackUrl = String(p.callback_url ?? "");
    const verifyToken = String(p.verify_token ?? "");
    if (!/^https:\/\//.test(callbackUrl)) throw invalid("Param callback_url must be a valid https URL");
    if (fields.length === 0) throw invalid("Param fields must be non-empty");
    const challenge = String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
    const answer = await verifier(callbackUrl, {
      "hub.mode": "subscribe",
      "hub.challenge": challenge,
      "hub.verify_token": verifyToken,
    }).catch((error: unknown) => ({ status: 0, body: String(error) }));
    if (answer.status !== 200 || answer.body !== challenge) {
      throw new GraphFailure(
        graphError(
          400,
          2200,
          `(#2200) Callback verification failed with the following errors: HTTP Status Code = ${answer.status}; HTTP Message = ${answer.status === 200 ? "challenge mismatch" : "error"}`,
        ),
      );
    }
    subscription = {
      callbackUrl,
      verifyToken,
      fields: [...new Set([...(subscription?.fields ?? []), ...fields])],
    };
    return { success: true };
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const lookaside = /^\/lookaside\/([^/]+)$/.exec(url.pathname);
    if (lookaside) {
      const bearer = (auth?: string) => tokens.some((t) => auth === `Bearer ${t}`);
      return media.serve(decodeURIComponent(lookaside[1] as string), req, res, bearer);
    }
    const raw = await readBody(req);
    const contentType = req.headers["content-type"];
    const segments = url.pathname.split("/").filter(Boolean);
    if (/^v\d+\.\d+$/.test(segments[0] ?? "")) segments.shift();
    const path = segments.join("/");
    const httpMethod = req.method ?? "GET";
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    let bad = false;
    try {
      const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
      if (type === "multipart/form-data") {
        // read by the upload endpoint
      } else if (raw.length > 0 && type === "application/json")
        Object.assign(params, JSON.parse(raw.toString("utf8")));
      else if (raw.length > 0)
        Object.assign(params, Object.fromEntries(new URLSearchParams(raw.toString("utf8"))));
    } catch {
      bad = true;
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : (params.access_token as string | undefined);
    const [first = "", second] = segments;
    const kind: GraphCallKind =
      second === "media" && httpMethod === "POST"
        ? "upload"
        : second === "messages" && httpMethod === "POST"
          ? params.status === "read"
            ? "read"
            : "send"
          : second === "subscriptions"
            ? httpMethod === "DELETE"
              ? "unsubscribe"
              : "subscribe"
            : second === undefined && httpMethod === "GET"
              ? "phone_number"
              : "other";
    const call: GraphCall = { kind, httpMethod, path, token, params, contentType, at: Date.now() };
    log.push(call);
    if (bad) {
      respond(res, call, graphErrors.invalidParameter("Unexpected end of JSON input"));
      return;
    }
    const reply = scripted.take(call);
    if (reply && "destroy" in reply) {
      res.destroy();
      return;
    }
    if (reply && "delayMs" in reply && reply.delayMs) await sleep(reply.delayMs);
    if (reply && "status" in reply) {
      respond(res, call, reply);
      return;
    }
    try {
      let result: unknown;
      if (kind === "send" || kind === "read") result = messagesEndpoint(call, first);
      else if (kind === "upload") result = await uploadEndpoint(call, first, raw);
      else if (kind === "subscribe" || kind === "unsubscribe")
        result = await subscriptionsEndpoint(call, first);
      else if (kind === "phone_number" && media.get(first)) {
        requireToken(call);
        const file = media.get(first) as NonNullable<ReturnType<typeof media.get>>;
        result = {
          messaging_product: "whatsapp",
          url: `${server.url}/lookaside/${encodeURIComponent(first)}`,
          mime_type: file.contentType,
          sha256: createHash("sha256").update(file.bytes).digest("hex"),
          file_size: String(file.bytes.byteLength),
          id: first,
        };
      } else if (kind === "phone_number") {
        requireToken(call);
        const number = phoneNumbers[first];
        if (!number) throw new GraphFailure(unsupported(first));
        result = { display_phone_number: number.display, verified_name: number.verifiedName, id: first };
      } else throw new GraphFailure(unsupported(first));
      if (reply && "acceptThenDrop" in reply) {
        res.destroy();
        return;
      }
      respond(res, call, { status: 200, body: result });
    } catch (error) {
      if (error instanceof GraphFailure) respond(res, call, error.reply);
      else throw error;
    }
  };

  const server: LoopbackServer = await listen(handle, (error) => errors.push(error));

  return {
    url: `${server.url}/${GRAPH_VERSION}`,
    token: tokens[0] as string,
    phoneNumberId: Object.keys(phoneNumbers)[0] as string,
    appId: Object.keys(apps)[0] as string,
    appSecret: Object.values(apps)[0] as string,
    get calls() {
      return log.items;
    },
    get messages() {
      return messages;
    },
    get subscription() {
      return subscription;
    },
    errors,
    script: (kind, reply, scriptOptions = {}) => {
      const when = scriptOptions.when;
      scripted.push(reply, {
        ...scriptOptions,
        when: (call) => (kind === "*" || call.kind === kind) && (when ? when(call) : true),
      });
    },
    sent: (to) => messages.filter((m) => to === undefined || m.to === to).map((m) => m.body),
    callsOf: (kind) => log.items.filter((c) => c.kind === kind),
    waitFor: (predicate, timeoutMs = 2000) =>
      log.waitFor(
        predicate,
        timeoutMs,
        (c) => `${c.kind} ${c.httpMethod} /${c.path} → ${c.response?.status ?? "…"}`,
      ),
    setVerifier(next) {
      verifier = next;
    },
    setStatusWebhook(target) {
      statusPoster = posterOf(target);
    },
    get statuses() {
      return statuses;
    },
    async statusesSettled() {
      while (pendingStatuses.size > 0) await Promise.all(pendingStatuses);
    },
    media,
    reset() {
      media.reset();
      log.clear();
      scripted.reset();
      messages = [];
      statuses = [];
      subscription = undefined;
    },
    close: () => server.close(),
  };
}

/** A status poster for a URL (fetch), or the poster given. */
function posterOf(target: string | StatusPoster | undefined): StatusPoster | undefined {
  if (typeof target !== "string") return target;
  return async (body, headers) => (await fetch(target, { method: "POST", headers, body })).status;
}

function respond(res: ServerResponse, call: GraphCall, reply: GraphHttpReply): void {
  call.response = { status: reply.status, body: reply.body };
  if (typeof reply.body === "string") {
    res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
    res.end(reply.body);
    return;
  }
  sendJson(res, reply.status, reply.body, reply.headers);
}

// ---------------------------------------------------------------------------------------------------------
// Deliveries (what Meta POSTs to the webhook)

/**
 * JSON as Meta sends it: non-ASCII characters and "/" escaped (`\u00fc`, `\/`), so a signature over
 * re-serialized JSON would not match; only the raw bytes verify.
 */
export function metaJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/\//g, "\\/");
}

/** `sha256=<hex HMAC-SHA256 of the raw body with the app secret>`, Meta's X-Hub-Signature-256. */
export function signDelivery(body: string | Uint8Array, appSecret = DEFAULT_APP_SECRET): string {
  return `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
}

/** Headers Meta sends with a delivery. */
export function deliveryHeaders(
  body: string | Uint8Array,
  appSecret = DEFAULT_APP_SECRET,
): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "facebookexternalua",
    "x-hub-signature-256": signDelivery(body, appSecret),
  };
}

let nextInbound = 1;

/** A fresh inbound message id, `wamid.` + base64 like Meta's. */
export function wamid(): string {
  return `wamid.${Buffer.from(`HBgL${Date.now()}${nextInbound++}`).toString("base64")}`;
}

/** Input for {@link whatsappMessage}. */
export interface InboundMessageInput {
  /** The sender's wa_id (default "16505551234"); null for a user whose number is hidden (username). */
  from?: string | null;
  /** The sender's BSUID (default "US.13491208655302741918"). */
  userId?: string;
  id?: string;
  /** Unix seconds (default now). */
  timestamp?: number;
  /** A text message's body; or give `message` for another type. */
  text?: string;
  /** Type-specific fields, e.g. `{ type: "image", image: { id, mime_type } }`. */
  message?: Record<string, unknown>;
}

/** One inbound message object as it appears in `value.messages[]`. */
export function whatsappMessage(input: InboundMessageInput = {}): ServerMessage {
  return {
    ...(input.from === null ? {} : { from: input.from ?? "16505551234" }),
    from_user_id: input.userId ?? "US.13491208655302741918",
    id: input.id ?? wamid(),
    timestamp: String(input.timestamp ?? Math.floor(Date.now() / 1000)),
    ...(input.message ?? { type: "text", text: { body: input.text ?? "hello" } }),
  } as ServerMessage;
}

/** Input for {@link whatsappDelivery}. */
export interface DeliveryInput {
  messages?: ServerMessage[];
  statuses?: ServerStatusPayload[];
  /** The sender's profile name (default "Ada Lovelace"), one contact per distinct sender. */
  name?: string;
  phoneNumberId?: string;
}

/** A delivery with one entry and one `messages` change, as Meta POSTs it. */
export function whatsappDelivery(input: DeliveryInput = {}): PostData {
  const senders = new Map<string, ServerMessage>();
  for (const m of input.messages ?? []) senders.set(m.from ?? m.from_user_id, m);
  const contacts = [...senders.values()].map((m) => ({
    profile: { name: input.name ?? "Ada Lovelace" },
    ...(m.from === undefined ? {} : { wa_id: m.from }),
    user_id: m.from_user_id,
  }));
  const value = {
    messaging_product: "whatsapp",
    metadata: {
      display_phone_number: DEFAULT_DISPLAY_PHONE_NUMBER,
      phone_number_id: input.phoneNumberId ?? DEFAULT_PHONE_NUMBER_ID,
    },
    ...(contacts.length > 0 ? { contacts } : {}),
    ...(input.messages ? { messages: input.messages } : {}),
    ...(input.statuses ? { statuses: input.statuses } : {}),
  };
  return {
    object: "whatsapp_business_account",
    entry: [{ id: "102290129340398", changes: [{ field: "messages", value }] }],
  } as unknown as PostData;
}

/** A delivery status of one of our messages (what every reply causes: sent, delivered, read). */
export function whatsappStatus(
  status: "sent" | "delivered" | "read" | "failed",
  options: { id?: string; to?: string; error?: { code: number; title: string }; callbackData?: string } = {},
): ServerStatusPayload {
  return {
    id: options.id ?? `wamid.FAKE${Date.now()}`,
    status,
    timestamp: String(Math.floor(Date.now() / 1000)),
    recipient_id: options.to ?? "16505551234",
    // Meta echoes it in sent, delivered and read statuses, not in failed ones.
    ...(options.callbackData === undefined || status === "failed"
      ? {}
      : { biz_opaque_callback_data: options.callbackData }),
    ...(options.error
      ? {
          errors: [
            {
              code: options.error.code,
              title: options.error.title,
              message: options.error.title,
              error_data: { details: "" },
            },
          ],
        }
      : { pricing: { pricing_model: "PMP", type: "free_customer_service", category: "service" } }),
  } as ServerStatusPayload;
}

/**
 * A template message's `template` object, as the Cloud API takes it: `name`, `language.code`, and body
 * parameters of type text (the only kind the relay sends); anything else is refused like Graph refuses it.
 */
function templateOf(value: unknown): { name: string; language: string; parameters: string[] } {
  const t = value as {
    name?: unknown;
    language?: { code?: unknown };
    components?: { type?: unknown; parameters?: { type?: unknown; text?: unknown }[] }[];
  };
  if (typeof t?.name !== "string" || typeof t.language?.code !== "string") {
    throw new GraphFailure(
      graphError(400, 100, "Invalid parameter: template name and language are required"),
    );
  }
  const parameters: string[] = [];
  for (const component of t.components ?? []) {
    if (component.type !== "body") throw new GraphFailure(graphError(400, 100, "Invalid component type"));
    for (const parameter of component.parameters ?? []) {
      if (parameter.type !== "text" || typeof parameter.text !== "string")
        throw new GraphFailure(graphError(400, 100, "Invalid parameter type"));
      parameters.push(parameter.text);
    }
  }
  return { name: t.name, language: t.language.code, parameters };
}
