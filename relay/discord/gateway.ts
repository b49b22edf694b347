import {
  CloseCodes,
  type IIdentifyThrottler,
  type SessionInfo,
  WebSocketManager,
  type WebSocketManagerOptions,
  WebSocketShardEvents,
} from "@discordjs/ws";
import {
  GatewayDispatchEvents,
  type GatewayDispatchPayload,
  GatewayIntentBits,
  type GatewayReadyDispatchData,
} from "discord-api-types/v10";
import * as v from "valibot";
import { isRetryable, PlatformError } from "../../handlers/core/errors.ts";
import { log } from "../../handlers/core/log.ts";
import type { ConnectionState } from "../connections.ts";

/** The public REST API; `DISCORD_API_URL` points elsewhere (a test fake). */
export const DISCORD_API_URL = "https://discord.com/api/v10";

/** Guild messages, direct messages, and their content (a privileged intent: enable it in the portal). */
export const INTENTS =
  GatewayIntentBits.GuildMessages | GatewayIntentBits.DirectMessages | GatewayIntentBits.MessageContent;

/** Close codes that no reconnect fixes, with what the operator must do. */
export const FATAL_CLOSE_CODES: Readonly<Record<number, string>> = {
  4004: "Discord refused the bot token: reset it in the Developer Portal (Bot → Reset Token) and update the relay's secret",
  4013: "invalid intents: this is a bug in the relay, please report it",
  4014:
    "the Message Content intent is not enabled: Discord Developer Portal → your application → Bot → " +
    "Privileged Gateway Intents → turn on MESSAGE CONTENT INTENT, then restart the relay",
};

const GatewayBotSchema = v.object({
  url: v.pipe(v.string(), v.minLength(1)),
  shards: v.pipe(v.number(), v.integer(), v.minValue(1)),
  session_start_limit: v.object({
    total: v.number(),
    remaining: v.number(),
    reset_after: v.number(),
    max_concurrency: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
});

/**
 * @discordjs/ws needs a REST client only for `GET /gateway/bot`. This one does that with fetch, so
 * @discordjs/rest (and undici) never load: the relay stays small. The token is sent, never logged.
 */
function gatewayRest(apiUrl: string, token: string): WebSocketManagerOptions["rest"] {
  const base = apiUrl.replace(/\/+$/, "");
  const rest = {
    async get(route: string): Promise<unknown> {
      let response: Response;
      try {
        response = await fetch(base + route, {
          headers: { authorization: `Bot ${token}`, "user-agent": "DiscordBot (agentcore-relay, 0.1)" },
          signal: AbortSignal.timeout(10_000),
        });
      } catch (cause) {
        throw new PlatformError("discord", `GET ${route}`, { reason: "unreachable", retryable: true, cause });
      }
      const parsed = v.safeParse(GatewayBotSchema, await response.json().catch(() => undefined));
      if (response.ok && parsed.success) return parsed.output;
      throw new PlatformError("discord", `GET ${route}`, {
        status: response.status,
        reason: response.status === 401 ? "the bot token was refused" : "unexpected answer",
        retryable: response.status !== 401 && response.status !== 403,
      });
    },
  };
  return rest as unknown as WebSocketManagerOptions["rest"];
}

export interface DiscordGatewayOptions {
  /** The bot token (never logged). */
  readonly token: string;
  /** REST base URL, for `GET /gateway/bot`. @default DISCORD_API_URL */
  readonly apiUrl?: string;
  /** Called with each MESSAGE_CREATE's data (unvalidated) and the bot's own user id. */
  readonly onMessage: (data: unknown, botId: string) => void;
  /** Called on every change of the connection's state. */
  readonly onState: (state: ConnectionState, detail?: string) => void;
  /**
   * Discord allows one IDENTIFY per 5 s per bucket; @discordjs/ws waits that out. Tests that
   * re-identify on purpose pass one that does not wait.
   */
  readonly identifyThrottler?: IIdentifyThrottler;
  /** A session a previous relay left open (see session-store.ts): RESUMEd instead of a new IDENTIFY. */
  readonly resume?: ResumableSession;
}

/** A gateway session and the bot it belongs to (a RESUME brings no READY to learn it from). */
export interface ResumableSession {
  readonly session: SessionInfo;
  readonly botId: string;
}

/** A connected gateway. */
export interface DiscordGateway {
  /**
   * Takes no more events: returns the session as of the last event handled, so the next relay can
   * resume from there (later events are replayed to it), or undefined when there is none.
   */
  quiesce(): ResumableSession | undefined;
  /**
   * Closes the connection and stops reconnecting. `keepSession` closes with 4200 so Discord keeps the
   * session for a resume; otherwise 1000 ends it.
   */
  stop(keepSession: boolean): Promise<void>;
}

/**
 * Connects to the Discord gateway with @discordjs/ws: one shard, JSON encoding, the three intents.
 * The library heartbeats, resumes after RECONNECT or a dropped socket (replayed events arrive as
 * dispatches, so none is lost) and re-identifies after INVALID_SESSION. A refused token or a
 * disallowed intent is reported as `failed` with what to do, and not retried.
 */
export function connectDiscordGateway(options: DiscordGatewayOptions): DiscordGateway {
  const sessions = new Map<number, SessionInfo>(options.resume ? [[0, options.resume.session]] : []);
  let botId: string | undefined = options.resume?.botId;
  let stopping = false;
  let fatal = false;
  /** Set at quiesce: events after it are left to the next relay (Discord replays them on resume). */
  let quiet = false;
  const manager = new WebSocketManager({
    token: options.token,
    intents: INTENTS,
    rest: gatewayRest(options.apiUrl ?? DISCORD_API_URL, options.token),
    shardCount: 1,
    identifyProperties: { browser: "agentcore-relay", device: "agentcore-relay", os: process.platform },
    // Per relay, not the library's process-wide store.
    retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
    updateSessionInfo: (shardId, info) => {
      if (info) sessions.set(shardId, info);
      else sessions.delete(shardId);
    },
    ...(options.identifyThrottler ? { buildIdentifyThrottler: () => options.identifyThrottler } : {}),
  } as Partial<WebSocketManagerOptions> & Pick<WebSocketManagerOptions, "intents" | "rest">);

  manager.on(WebSocketShardEvents.Ready, (data: GatewayReadyDispatchData) => {
    botId = data.user.id;
    options.onState("ready", `identified as ${data.user.username}`);
  });
  manager.on(WebSocketShardEvents.Resumed, () => options.onState("ready", "resumed"));
  manager.on(WebSocketShardEvents.Closed, (code: number) => {
    if (stopping) return;
    const hint = FATAL_CLOSE_CODES[code];
    if (hint) {
      fatal = true;
      options.onState("failed", `close ${code}: ${hint}`);
      return;
    }
    options.onState("reconnecting", `close ${code}`);
  });
  manager.on(WebSocketShardEvents.Error, (error: Error) => log.warn("discord.error", { err: error }));
  manager.on(WebSocketShardEvents.Debug, (message: string) => log.debug("discord.debug", { message }));
  manager.on(WebSocketShardEvents.Dispatch, (payload: GatewayDispatchPayload) => {
    if (quiet || payload.t !== GatewayDispatchEvents.MessageCreate || botId === undefined) return;
    options.onMessage(payload.d, botId);
  });

  options.onState("connecting");
  // In the background: connect() resolves only on READY, and never after a fatal close.
  void (async () => {
    for (let delay = 1_000; !stopping; delay = Math.min(60_000, delay * 2)) {
      try {
        await manager.connect();
        return;
      } catch (err) {
        // A fatal close also rejects connect() ("Used disallowed intents"): already reported.
        if (stopping || fatal) return;
        if (!isRetryable(err)) {
          options.onState("failed", (err as Error).message);
          return;
        }
        log.warn("discord.connect_failed", { err, retryInMs: delay });
        options.onState("reconnecting", (err as Error).message);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  })();
  return {
    quiesce() {
      quiet = true;
      const session = sessions.get(0);
      return session && botId ? { session: { ...session }, botId } : undefined;
    },
    async stop(keepSession) {
      quiet = true;
      stopping = true;
      await manager.destroy({
        code: keepSession ? CloseCodes.Resuming : 1000,
        reason: "relay shutting down",
      });
      options.onState("stopped");
    },
  };
}
