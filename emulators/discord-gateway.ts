/**
 * A loopback Discord gateway and the one REST route a gateway client needs (GET /gateway/bot), on one
 * Bun server: the real wire format (JSON frames, opcodes, sequence numbers), so @discordjs/ws (or
 * discord.js) connects to it as to Discord. It speaks HELLO, IDENTIFY → READY, HEARTBEAT → ACK,
 * dispatches (MESSAGE_CREATE), RECONNECT, RESUME → replay + RESUMED, INVALID_SESSION, and closes with
 * 4004 (bad token) or 4014 (MESSAGE_CONTENT not enabled) as Discord does.
 *
 * @example
 * const gateway = await startDiscordGateway();
 * // DISCORD_API_URL = gateway.apiUrl
 * await gateway.ready();
 * gateway.messageCreate({ content: "hi" });
 */
import type { ServerWebSocket } from "bun";
import type {
  APIAttachment,
  APIUser,
  GatewayMessageCreateDispatchData,
  GatewayReadyDispatchData,
} from "discord-api-types/v10";
import { CallLog } from "./http.ts";

/** A token the fake accepts by default (the format of a real one, not a real one). */
export const DEFAULT_DISCORD_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.GfakeX.fake-token-for-tests_0123456789abcdef";

/** The MESSAGE_CONTENT intent bit (privileged). */
export const MESSAGE_CONTENT_INTENT = 1 << 15;

/** The bot user the fake identifies the client as. */
export const FAKE_BOT: APIUser = {
  id: "900000000000000001",
  username: "relay-bot",
  discriminator: "0",
  global_name: null,
  avatar: null,
  bot: true,
};

export interface DiscordGatewayOptions {
  /** The accepted bot token. @default DEFAULT_DISCORD_TOKEN */
  token?: string;
  /** heartbeat_interval sent in HELLO, in ms. @default 41250 (Discord's) */
  heartbeatIntervalMs?: number;
  /** Whether the application has the Message Content intent enabled; false → close 4014 on IDENTIFY. @default true */
  messageContentIntent?: boolean;
}

/** A frame the client sent, with the number of the connection it came on (1, 2 …). */
export interface ClientFrame {
  readonly op: number;
  readonly d: unknown;
  readonly connection: number;
}

/** A close the server saw, from either side. */
export interface CloseRecord {
  readonly connection: number;
  readonly code: number;
}

/** Input of {@link FakeDiscordGateway.messageCreate}. */
export interface MessageInput {
  content?: string;
  authorId?: string;
  username?: string;
  globalName?: string | null;
  bot?: boolean;
  webhookId?: string;
  channelId?: string;
  /** Present for server (guild) messages, absent for DMs. */
  guildId?: string;
  /** User ids mentioned. */
  mentions?: string[];
  /** Author id of the message this one replies to (type 19). */
  replyToAuthorId?: string;
  type?: number;
  attachments?: Partial<APIAttachment>[];
}

interface Connection {
  readonly number: number;
  state: "hello" | "identified" | "closed";
}

interface SocketData {
  connection: Connection;
}

interface Session {
  readonly id: string;
  seq: number;
  /** Every dispatch of the session, for replay on RESUME. */
  readonly events: { s: number; t: string; d: unknown }[];
  resumable: boolean;
}

/** The running fake. */
export interface FakeDiscordGateway {
  /** REST base, for DISCORD_API_URL: `http://127.0.0.1:<port>/api/v10`. */
  readonly apiUrl: string;
  /** The gateway URL that GET /gateway/bot returns: `ws://127.0.0.1:<port>/gateway`. */
  readonly gatewayUrl: string;
  /** Every frame clients sent, in order. */
  readonly frames: CallLog<ClientFrame>;
  /** Every close (server- or client-initiated). */
  readonly closes: CallLog<CloseRecord>;
  /** REST requests: method and path, and whether the bot token was right. */
  readonly rest: CallLog<{ method: string; path: string; authorized: boolean }>;
  /** The current session's id and last sequence number. */
  readonly session: { id: string; seq: number } | undefined;
  /** Number of WebSocket connections so far. */
  readonly connectionCount: number;
  /** Resolves when a client is identified or resumed on an open connection. */
  ready(timeoutMs?: number): Promise<void>;
  /** Sends a dispatch to the open connection, or keeps it for replay when none is open; returns its sequence. */
  dispatch(t: string, d: unknown): number;
  /** Dispatches a MESSAGE_CREATE built from `input`; returns the message. */
  messageCreate(input?: MessageInput): GatewayMessageCreateDispatchData;
  /** Sends RECONNECT (op 7): the client should close and RESUME. */
  reconnect(): void;
  /** Sends INVALID_SESSION (op 9) with `resumable`; false makes the client IDENTIFY anew. */
  invalidSession(resumable?: boolean): void;
  /** Closes the open connection from the server side with `code` (default 4000, resumable). */
  drop(code?: number): void;
  close(): Promise<void>;
}

let snowflake = 300_000_000_000_000_000n;
/** A fresh, increasing snowflake. */
export function nextSnowflake(): string {
  snowflake += 1n;
  return String(snowflake);
}

/** Starts the fake on 127.0.0.1 with an OS-assigned port. */
export async function startDiscordGateway(options: DiscordGatewayOptions = {}): Promise<FakeDiscordGateway> {
  const token = options.token ?? DEFAULT_DISCORD_TOKEN;
  const heartbeatInterval = options.heartbeatIntervalMs ?? 41_250;
  const frames = new CallLog<ClientFrame>();
  const closes = new CallLog<CloseRecord>();
  const rest = new CallLog<{ method: string; path: string; authorized: boolean }>();
  const readyLog = new CallLog<number>();
  let connections = 0;
  let session: Session | undefined;
  let open: ServerWebSocket<SocketData> | undefined;

  const send = (ws: ServerWebSocket<SocketData>, payload: object) => ws.send(JSON.stringify(payload));
  const sendDispatch = (ws: ServerWebSocket<SocketData>, event: { s: number; t: string; d: unknown }) =>
    send(ws, { op: 0, ...event });
  const record = (t: string, d: unknown) => {
    if (!session) throw new Error("no session: the client has not identified");
    const event = { s: ++session.seq, t, d };
    session.events.push(event);
    return event;
  };
  const closeWith = (ws: ServerWebSocket<SocketData>, code: number, reason: string) => {
    ws.data.connection.state = "closed";
    closes.push({ connection: ws.data.connection.number, code });
    ws.close(code, reason);
  };

  function onFrame(ws: ServerWebSocket<SocketData>, frame: { op: number; d: unknown }) {
    const connection = ws.data.connection;
    frames.push({ op: frame.op, d: frame.d, connection: connection.number });
    switch (frame.op) {
      case 1: // HEARTBEAT
        send(ws, { op: 11 });
        return;
      case 2: {
        // IDENTIFY
        const d = frame.d as { token?: string; intents?: number };
        if (d.token !== token) return closeWith(ws, 4004, "Authentication failed.");
        if (options.messageContentIntent === false && ((d.intents ?? 0) & MESSAGE_CONTENT_INTENT) !== 0) {
          return closeWith(ws, 4014, "Disallowed intent(s).");
        }
        session = { id: crypto.randomUUID().replace(/-/g, ""), seq: 0, events: [], resumable: true };
        connection.state = "identified";
        const ready: GatewayReadyDispatchData = {
          v: 10,
          user: FAKE_BOT,
          guilds: [],
          session_id: session.id,
          resume_gateway_url: gatewayUrl,
          shard: [0, 1],
          application: {
            id: FAKE_BOT.id,
            flags: 0,
            flags_new: "0",
          } as unknown as GatewayReadyDispatchData["application"],
        };
        sendDispatch(ws, record("READY", ready));
        readyLog.push(connection.number);
        return;
      }
      case 6: {
        // RESUME
        const d = frame.d as { token?: string; session_id?: string; seq?: number };
        if (d.token !== token) return closeWith(ws, 4004, "Authentication failed.");
        if (!session?.resumable || d.session_id !== session.id) {
          send(ws, { op: 9, d: false });
          return;
        }
        connection.state = "identified";
        for (const event of session.events) if (event.s > (d.seq ?? 0)) sendDispatch(ws, event);
        sendDispatch(ws, record("RESUMED", null));
        readyLog.push(connection.number);
        return;
      }
      default:
        closeWith(ws, 4001, "Unknown opcode.");
    }
  }

  const server: Bun.Server<SocketData> = Bun.serve<SocketData>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv): Response | undefined {
      const url = new URL(req.url);
      if (url.pathname === "/gateway") {
        const connection: Connection = { number: ++connections, state: "hello" };
        if (srv.upgrade(req, { data: { connection } })) return undefined;
        return new Response("expected a WebSocket upgrade", { status: 400 });
      }
      const authorized = req.headers.get("authorization") === `Bot ${token}`;
      rest.push({ method: req.method, path: url.pathname, authorized });
      if (req.method === "GET" && url.pathname === "/api/v10/gateway/bot") {
        if (!authorized) return Response.json({ message: "401: Unauthorized", code: 0 }, { status: 401 });
        return Response.json({
          url: gatewayUrl,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        });
      }
      return Response.json({ message: "404: Not Found", code: 0 }, { status: 404 });
    },
    websocket: {
      open(ws) {
        open = ws;
        send(ws, { op: 10, d: { heartbeat_interval: heartbeatInterval } });
      },
      message(ws, message) {
        let frame: { op: number; d: unknown };
        try {
          frame = JSON.parse(String(message));
        } catch {
          return closeWith(ws, 4002, "Error while decoding payload.");
        }
        onFrame(ws, frame);
      },
      close(ws, code) {
        if (ws.data.connection.state !== "closed") {
          ws.data.connection.state = "closed";
          closes.push({ connection: ws.data.connection.number, code });
        }
        if (open === ws) open = undefined;
      },
    },
  });
  const gatewayUrl: string = `ws://127.0.0.1:${server.port}/gateway`;
  const live = () => (open && open.data.connection.state === "identified" ? open : undefined);

  const fake: FakeDiscordGateway = {
    apiUrl: `http://127.0.0.1:${server.port}/api/v10`,
    gatewayUrl,
    frames,
    closes,
    rest,
    get session() {
      return session ? { id: session.id, seq: session.seq } : undefined;
    },
    get connectionCount() {
      return connections;
    },
    async ready(timeoutMs = 3_000) {
      await readyLog.waitFor(() => live() !== undefined, timeoutMs);
    },
    dispatch(t, d) {
      const event = record(t, d);
      const ws = live();
      if (ws) sendDispatch(ws, event);
      return event.s;
    },
    messageCreate(input = {}) {
      const id = nextSnowflake();
      const message = {
        id,
        channel_id: input.channelId ?? "200000000000000001",
        ...(input.guildId === undefined ? {} : { guild_id: input.guildId }),
        author: {
          id: input.authorId ?? "100000000000000001",
          username: input.username ?? "ada",
          discriminator: "0",
          global_name: input.globalName === undefined ? "Ada Lovelace" : input.globalName,
          avatar: null,
          ...(input.bot ? { bot: true } : {}),
        },
        content: input.content ?? "hello",
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: (input.mentions ?? []).map((mentioned) => ({
          id: mentioned,
          username: mentioned === FAKE_BOT.id ? FAKE_BOT.username : "someone",
          discriminator: "0",
          global_name: null,
          avatar: null,
        })),
        mention_roles: [],
        attachments: (input.attachments ?? []).map((a, i) => ({
          id: a.id ?? nextSnowflake(),
          filename: a.filename ?? `file${i}`,
          size: a.size ?? 1,
          url: a.url ?? `https://cdn.discordapp.com/attachments/1/2/file${i}`,
          proxy_url: a.url ?? `https://media.discordapp.net/attachments/1/2/file${i}`,
          ...(a.content_type === undefined ? {} : { content_type: a.content_type }),
        })),
        embeds: [],
        pinned: false,
        type: input.type ?? (input.replyToAuthorId ? 19 : 0),
        ...(input.webhookId === undefined ? {} : { webhook_id: input.webhookId }),
        ...(input.replyToAuthorId === undefined
          ? {}
          : {
              message_reference: { message_id: nextSnowflake(), channel_id: input.channelId },
              referenced_message: { id: nextSnowflake(), author: { id: input.replyToAuthorId } },
            }),
      } as unknown as GatewayMessageCreateDispatchData;
      fake.dispatch("MESSAGE_CREATE", message);
      return message;
    },
    reconnect() {
      const ws = live();
      if (!ws) throw new Error("no open connection to send RECONNECT on");
      send(ws, { op: 7, d: null });
    },
    invalidSession(resumable = false) {
      const ws = live();
      if (!ws) throw new Error("no open connection to send INVALID_SESSION on");
      if (session && !resumable) session.resumable = false;
      send(ws, { op: 9, d: resumable });
    },
    drop(code = 4000) {
      const ws = live();
      if (!ws) throw new Error("no open connection to drop");
      closeWith(ws, code, "dropped by the fake");
    },
    async close() {
      await server.stop(true);
    },
  };
  return fake;
}
