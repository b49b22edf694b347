/**
 * The local stack of `bun run dev`, in one process: an embedded SQS server (fauxqs) with each
 * channel's FIFO queue and DLQ, a local Secrets Manager, an embedded DynamoDB with each channel's table
 * (the send ledger, sessions, who has access), the agent (the built-in streaming echo
 * agent, AGENT_URL, or the real AGENT_RUNTIME_ARN), fake platform APIs, and per channel a worker
 * thread running the real ingress and worker handlers with the environment the Terraform module
 * gives them. One HTTP server serves the ingress routes, the emulator page and its event stream.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import * as v from "valibot";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { startDynamo } from "../emulators/dynamodb.ts";
import { startSecretsManager } from "../emulators/secrets-manager.ts";
import { startSqs } from "../emulators/sqs.ts";
import { dynamoAccessStore } from "../handlers/core/access/store.ts";
import { escapeHtml } from "./channels/html.ts";
import {
  type DevChannel,
  type DevFile,
  DevFileSchema,
  type DevPlatform,
  type DevUser,
  type UiEvent,
} from "./channels/types.ts";
import { startEchoAgent } from "./echo-agent.ts";
import { devToken, refusal } from "./guard.ts";
import { queueOutbound } from "./outbound.ts";
import type { RuntimeData, RuntimeMessage } from "./runtime.ts";
import { startTelegramPolling } from "./telegram-polling.ts";
import { Timeline } from "./timeline.ts";

/** The dev stack's media bucket (fauxqs' S3): files users send, as the module's bucket keeps them. */
const DEV_MEDIA_BUCKET = "dev-media";

export interface DevStackOptions {
  /** Channels to run (default: every channel in dev/channels/index.ts). */
  readonly channels: readonly DevChannel[];
  /** First port to try; the next free one is taken when it is busy (default 8787; 0 = any). */
  readonly port?: number;
  /**
   * The environment to read AGENT_URL, AGENT_RUNTIME_ARN, ECHO_DELAY_MS, TELEGRAM_BOT_TOKEN, DEV_TOKEN …
   * from (default process.env).
   */
  readonly env?: Record<string, string | undefined>;
  /** Print a line per event (default true). */
  readonly print?: boolean;
}

export interface DevStack {
  readonly url: string;
  readonly port: number;
  /** Where the agent runs: "echo agent", the AGENT_URL, or the runtime ARN. */
  readonly agent: string;
  /** The run's token for `/_dev/*`, sent in the `x-dev-token` header (DEV_TOKEN, or random). */
  readonly token: string;
  /**
   * Sends a user's message on a channel through the real ingress; resolves to the envelope id. `user`: who
   * writes, by platform user id (default: the emulator's own user, the local bot's admin).
   */
  send(channel: string, text: string, user?: string): Promise<{ status: number; envelopeId: string }>;
  readonly timeline: Timeline;
  close(): Promise<void>;
}

/** Someone else writing to the local bot, by their platform user id. */
export function otherUser(id: string): DevUser {
  return { id, name: `User ${id}` };
}

const STATIC: Record<string, string> = {
  "/app.js": "app.js",
  "/style.css": "style.css",
};

/** Starts the stack; `close()` stops everything it started. */
/**
 * What a user of this configuration should know before they try it: with a real runtime, the files users
 * attach reach the agent as presigned URLs of the local S3, which a runtime in AWS cannot fetch.
 */
export function devNotes(env: Readonly<Record<string, string | undefined>>): string[] {
  if (!env.AGENT_RUNTIME_ARN) return [];
  return [
    "files users attach reach your runtime as URLs of this machine's local S3 (fauxqs), which it cannot fetch from AWS: try files with AGENT_URL (a local agent), or deploy a module",
  ];
}

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const env = options.env ?? process.env;
  const print = options.print ?? true;
  const realTelegramToken = env.TELEGRAM_BOT_TOKEN?.trim();
  const channels = options.channels;
  const token = devToken(env.DEV_TOKEN);

  const timeline = new Timeline();
  const [sqs, secrets, dynamo] = await Promise.all([startSqs(), startSecretsManager(), startDynamo()]);
  const closers: (() => Promise<unknown> | unknown)[] = [
    () => sqs.close(),
    () => secrets.close(),
    () => dynamo.close(),
  ];

  let agent: string;
  /** The stack's own address once it listens: where the echo agent's later answers go. */
  let outboundUrl: string | undefined;
  const agentEnv: Record<string, string> = {};
  if (env.AGENT_RUNTIME_ARN) {
    agent = env.AGENT_RUNTIME_ARN;
    agentEnv.AGENT_RUNTIME_ARN = env.AGENT_RUNTIME_ARN;
    if (env.AGENT_QUALIFIER) agentEnv.AGENT_QUALIFIER = env.AGENT_QUALIFIER;
  } else if (env.AGENT_URL) {
    agent = env.AGENT_URL;
    agentEnv.AGENT_URL = env.AGENT_URL;
  } else {
    const delay = Number(env.ECHO_DELAY_MS);
    const echo = startEchoAgent({
      ...(env.ECHO_DELAY_MS && Number.isFinite(delay) ? { delayMs: delay } : {}),
      // "later" messages: the echo answers later through POST /_dev/outbound, as through the send queue.
      outbound: () => (outboundUrl ? { url: outboundUrl, token } : undefined),
    });
    closers.push(() => echo.stop());
    agent = "the built-in echo agent";
    agentEnv.AGENT_URL = echo.url;
  }
  // With a real runtime the SDK must reach real AgentCore with the user's credentials; SQS and
  // Secrets Manager stay local either way.
  const aws = awsTestEnv({ sqs, secrets, s3: sqs, maxAttempts: 3 });
  // The media bucket, on fauxqs' S3: the files users send, stored for the agent (core/media/).
  await sqs.server.createBucket(DEV_MEDIA_BUCKET);
  const awsEnv: Record<string, string> = env.AGENT_RUNTIME_ARN
    ? {
        AWS_ENDPOINT_URL_SQS: aws.AWS_ENDPOINT_URL_SQS ?? "",
        AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? "",
        AWS_ENDPOINT_URL_S3: aws.AWS_ENDPOINT_URL_S3 ?? "",
      }
    : (Object.fromEntries(Object.entries(aws).filter(([, v]) => v !== undefined)) as Record<string, string>);

  const platforms = new Map<string, DevPlatform>();
  /** Each channel's ADMINS, as its worker has them. */
  const adminsOf = new Map<string, string>();
  const ports = new Map<string, number>();
  const routes = new Map<string, string>();
  const sendQueues = new Map<string, string>();
  const events: UiEvent[] = [];
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  const broadcast = (type: string, data: unknown) => {
    const chunk = encoder.encode(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    for (const client of clients) {
      try {
        client.enqueue(chunk);
      } catch {
        clients.delete(client);
      }
    }
  };
  timeline.onChange((entry) => broadcast("timeline", entry));

  await Promise.all(
    channels.map(async (channel) => {
      const platform = await channel.start();
      closers.push(() => platform.close());
      platforms.set(channel.name, platform);
      // A real Telegram bot: its token, the real Bot API, updates by long polling.
      const real = channel.name === "telegram" && realTelegramToken;
      const secretValue = {
        ...(real ? { ...platform.secret, bot_token: realTelegramToken } : platform.secret),
        // As the modules generate it: the key of the agent session ids, new for every run here.
        session_key: randomBytes(32).toString("base64url"),
      };
      const secretArn = secrets.setSecret(`agentcore-relay/dev/${channel.name}`, secretValue).arn;
      const fifo = { maxReceiveCount: 3, visibilityTimeoutSeconds: 180 };
      const [queue, send, table] = await Promise.all([
        sqs.createFifoPair(`dev-${channel.name}`, fifo),
        // Messages the agent starts (POST /_dev/outbound), as the module's send queue.
        sqs.createFifoPair(`dev-${channel.name}-send`, fifo),
        dynamo.createLedgerTable(`dev-${channel.name}-ledger`),
      ]);
      sendQueues.set(channel.name, send.queueUrl);
      const access = dynamoAccessStore(table, channel.name, () => dynamo.client);
      for (const group of platform.groups ?? [])
        await access.grant({ kind: "group", id: group }, { at: Date.now(), by: "dev" });
      const admins = env.ADMINS ?? (real ? "" : platform.user.id);
      adminsOf.set(channel.name, admins);
      const threadEnv = {
        ...stringEnv(process.env),
        ...awsEnv,
        ...agentEnv,
        // A real bot talks to the real Bot API (or TELEGRAM_API_URL, e.g. a local Bot API server).
        ...(real ? (env.TELEGRAM_API_URL ? { TELEGRAM_API_URL: env.TELEGRAM_API_URL } : {}) : platform.env),
        QUEUE_URL: queue.queueUrl,
        SEND_QUEUE_URL: send.queueUrl,
        SEND_QUEUE_ARN: send.queueArn,
        SEND_DLQ_URL: send.dlqUrl,
        SECRET_ARN: secretArn,
        // The table of the module: the send ledger, sessions and who has access (always local).
        LEDGER_TABLE: table,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        MEDIA_BUCKET: DEV_MEDIA_BUCKET,
        // Locally the emulator's own user is the admin and anyone else gets a pairing code (act as them with
        // `user` on /_dev/send); a real bot is reachable by anyone on Telegram, so it answers only
        // ALLOWED_USERS (refused ids are printed, to copy from) unless ACCESS_POLICY says otherwise.
        ALLOWED_USERS: env.ALLOWED_USERS ?? "",
        ACCESS_POLICY: env.ACCESS_POLICY ?? (real ? "allowlist" : "pairing"),
        ADMINS: admins,
        MAX_RECEIVE_COUNT: "3",
        // The timeline is built from info-level logs; printing is filtered here instead.
        LOG_LEVEL: env.LOG_LEVEL === "debug" ? "debug" : "info",
      };
      const data: RuntimeData = {
        channel: channel.name,
        queueArn: queue.queueArn,
        sendQueueArn: send.queueArn,
        concurrency: 2,
      };
      const thread = new Worker(join(import.meta.dir, "runtime.ts"), { workerData: data, env: threadEnv });
      closers.push(() => thread.terminate());
      const port = await new Promise<number>((resolve, reject) => {
        thread.on("error", reject);
        thread.on("message", (message: RuntimeMessage) => {
          if (message.type === "ready") resolve(message.port);
          else if (message.type === "fatal") reject(new Error(`${channel.name}: ${message.error}`));
          else timeline.record(message);
          if (print && message.type === "log") printLog(message.channel, message.entry);
        });
      });
      ports.set(channel.name, port);
      for (const route of channel.routes) routes.set(route, channel.name);
    }),
  );

  // Bot actions on the fake platform APIs → the page.
  const pump = setInterval(() => {
    for (const platform of platforms.values()) {
      for (const event of platform.drain()) {
        events.push(event);
        if (events.length > 500) events.shift();
        broadcast("ui", event);
      }
    }
  }, 50);
  closers.push(() => clearInterval(pump));

  const page = (await Bun.file(join(import.meta.dir, "public", "index.html")).text()).replace(
    "</head>",
    `  <meta name="dev-token" content="${escapeHtml(token)}">\n</head>`,
  );
  const server = serve(options.port ?? 8787, async (request, self) => {
    const refused = refusal(request, { peer: self.requestIP(request)?.address, port: self.port ?? 0, token });
    if (refused) return refused;
    const url = new URL(request.url);
    const channel = routes.get(url.pathname);
    if (channel) {
      const target = `http://127.0.0.1:${ports.get(channel)}${url.pathname}${url.search}`;
      if (url.pathname !== "/" && request.method !== "GET")
        timeline.received(channel, request.headers.get("x-dev-envelope-id"));
      return fetch(target, { method: request.method, headers: request.headers, body: request.body });
    }
    if (url.pathname === "/_dev/state") {
      return Response.json({
        agent,
        channels: channels.map((c) => ({
          name: c.name,
          title: c.title,
          real: c.name === "telegram" && !!realTelegramToken,
          // Who the page can write as: the emulator's own user (the admin locally) and a stranger.
          users: usersOf(c.name),
        })),
        events,
        timeline: timeline.entries(),
      });
    }
    if (url.pathname === "/_dev/events") {
      let controller: ReadableStreamDefaultController<Uint8Array>;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          controller = c;
          clients.add(c);
          c.enqueue(encoder.encode(": connected\n\n"));
        },
        cancel() {
          clients.delete(controller);
        },
      });
      return new Response(stream, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
      });
    }
    if (url.pathname === "/_dev/outbound" && request.method === "POST") {
      return queueOutbound(request, sendQueues, sqs.client);
    }
    if (url.pathname === "/_dev/send" && request.method === "POST") {
      const {
        channel: name,
        text,
        user,
        file: rawFile,
      } = (await request.json().catch(() => ({}))) as {
        channel?: string;
        text?: string;
        user?: unknown;
        file?: unknown;
      };
      if (!name || typeof text !== "string" || !channels.some((c) => c.name === name)) {
        return new Response("expected {channel, text, user?, file?}", { status: 400 });
      }
      const file = rawFile === undefined ? undefined : v.safeParse(DevFileSchema, rawFile);
      if (file && !file.success) return new Response(`file: ${v.summarize(file.issues)}`, { status: 400 });
      if (file && !platforms.get(name)?.files)
        return new Response(`${name} here takes no files`, { status: 400 });
      if (user !== undefined && (typeof user !== "string" || !/^[\w.@:+-]{1,64}$/.test(user))) {
        return new Response("user must be a platform user id (1-64 letters, digits or ._@:+-)", {
          status: 400,
        });
      }
      return Response.json(await send(name, text, user, file?.output));
    }
    // The page carries the run's token; no other origin can read it (no CORS, Host checked).
    if (url.pathname === "/" && request.method === "GET") {
      return new Response(page, {
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
      });
    }
    const file = STATIC[url.pathname];
    if (file && request.method === "GET")
      return new Response(Bun.file(join(import.meta.dir, "public", file)));
    return new Response("not found", { status: 404 });
  });
  closers.push(() => server.stop(true));
  const base = `http://localhost:${server.port}`;
  outboundUrl = base;

  function usersOf(name: string) {
    const platform = platforms.get(name);
    if (!platform) return [];
    const admins = new Set((adminsOf.get(name) ?? "").split(",").map((id) => id.trim()));
    return [
      { ...platform.user, role: admins.has(platform.user.id) ? "admin" : "you" },
      { ...platform.stranger, role: admins.has(platform.stranger.id) ? "admin" : "stranger" },
    ];
  }

  async function send(name: string, text: string, userId?: string, file?: DevFile) {
    const platform = platforms.get(name);
    if (!platform) throw new Error(`no channel ${name}`);
    const sent = Date.now();
    const user =
      userId === undefined || userId === platform.user.id
        ? platform.user
        : userId === platform.stranger.id
          ? platform.stranger
          : otherUser(userId);
    const result = await platform.deliver(text, user, base, file);
    timeline.start(result.envelopeId, name, text, sent);
    timeline.answered(result.envelopeId, result.status);
    return result;
  }

  if (realTelegramToken) {
    const stop = await startTelegramPolling({
      token: realTelegramToken,
      ...(env.TELEGRAM_API_URL ? { apiUrl: env.TELEGRAM_API_URL } : {}),
      webhookUrl: `${base}/telegram`,
      webhookSecret: platforms.get("telegram")?.secret.webhook_secret ?? "",
    });
    closers.push(stop);
  }

  return {
    url: base,
    port: server.port ?? 0,
    agent,
    token,
    send,
    timeline,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

/** Bun.serve on 127.0.0.1 at `port`, or the next free one (up to 20 further); 0 takes any free port. */
function serve(port: number, fetch: (request: Request, server: Bun.Server<undefined>) => Promise<Response>) {
  for (let candidate = port; ; candidate++) {
    try {
      return Bun.serve({ port: candidate, hostname: "127.0.0.1", fetch, idleTimeout: 0 });
    } catch (error) {
      if (port === 0 || candidate >= port + 20 || (error as { code?: string }).code !== "EADDRINUSE")
        throw error;
    }
  }
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** One short line per log event: `12:00:01 telegram message.queued telegram:123`. */
function printLog(channel: string, entry: Record<string, unknown>): void {
  const { level, event, time, envelopeId, ...rest } = entry;
  const clock = new Date(Number(time) || Date.now()).toISOString().slice(11, 19);
  const details = Object.entries(rest)
    .filter(([, v]) => v !== undefined && typeof v !== "object")
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const line = `${clock} ${channel.padEnd(9)} ${String(event).padEnd(18)} ${envelopeId ?? ""} ${details}`;
  (level === "error" || level === "warn" ? console.error : console.log)(line.trimEnd());
}
