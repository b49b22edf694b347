import { type AccessSettings, readAccessSettings } from "../access/settings.ts";
import { type AccessStore, dynamoAccessStore } from "../access/store.ts";
import { type Agent, agentCore } from "../agent/invoke.ts";
import { containerAgent } from "../agent/local.ts";
import type { SessionScope } from "../agent/session-id.ts";
import { boolEnv, intEnv, optionalEnv, requiredEnv } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { dynamoLedger, noLedger, type SendLedger } from "../ledger.ts";
import { log } from "../log.ts";
import type { MediaSettings } from "../media/attach.ts";
import { s3MediaStore } from "../media/store.ts";
import { type Contacts, dynamoContacts, noContacts } from "../outbound/contacts.ts";
import { dynamoSessions, noSessions, type Sessions } from "../session-generations.ts";

/** What the worker reads from its environment, once per container. */
export interface WorkerSettings {
  readonly agent: Agent;
  /** Who may reach the agent and how much (ACCESS_POLICY, ALLOWED_USERS, ADMINS, limits; access/settings.ts). */
  readonly access: AccessSettings;
  /** Grants, pairing codes and counters of this channel (the same table); none without it. */
  readonly accessStore: AccessStore | undefined;
  /**
   * BURST_WINDOW_MS: a conversation's messages within this long of the first are answered together, in one
   * agent call (0, the default: each on its own).
   */
  readonly burstWindowMs: number;
  /** The queue's redrive maxReceiveCount: the attempt that equals it is the last. */
  readonly maxReceiveCount: number;
  /** The queue, to bring a failed message back soon (ChangeMessageVisibility); optional. */
  readonly queueUrl: string | undefined;
  /** What was already sent per envelope (LEDGER_TABLE), so a redelivery never answers twice. */
  readonly ledger: SendLedger;
  /** Each conversation's agent session since its last `/new` (the same table). */
  readonly sessions: Sessions;
  /** Who last talked to the agent in each conversation (the same table), for outbound messages. */
  readonly contacts: Contacts;
  /**
   * The send queue (`SEND_QUEUE_URL`, `SEND_QUEUE_ARN`, `SEND_DLQ_URL`): records from it are messages the
   * agent starts; one that is not a valid message goes straight to its DLQ. Undefined: none.
   */
  readonly sendQueue: SendQueue | undefined;
  /** SESSION_SCOPE: one agent session per conversation (default), or per user in each conversation. */
  readonly sessionScope: SessionScope;
  /**
   * STREAM_REPLIES (default true): answers show while the agent writes them, where the channel can show
   * them (each channel's README says how); false sends each answer whole, once it is written.
   */
  readonly streamReplies: boolean;
  /** The files users send: MEDIA_BUCKET (none: metadata only), MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MEDIA_URL_SECONDS. */
  readonly media: MediaSettings;
}

const RUNTIME_ARN = /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]+$/;

/**
 * Reads the worker's settings from the environment for the channel `channel`; throws a ConfigError naming
 * the bad variable.
 */
export function readWorkerSettings(channel: string): WorkerSettings {
  const access = readAccessSettings();
  const table = process.env.LEDGER_TABLE?.trim();
  if (access.allowlist.empty && access.admins.size === 0 && access.policy === "allowlist")
    log.warn("allowlist.empty", { hint: "ALLOWED_USERS and ADMINS are empty: every user is refused" });
  if (!table && access.policy === "pairing")
    log.warn("access.no_table", {
      hint: "pairing needs LEDGER_TABLE: strangers are refused as with allowlist",
    });
  return {
    agent: readAgent(),
    access,
    accessStore: table ? dynamoAccessStore(table, channel) : undefined,
    burstWindowMs: intEnv("BURST_WINDOW_MS", 0, 0, 60_000),
    maxReceiveCount: intEnv("MAX_RECEIVE_COUNT", 3, 1, 1000),
    queueUrl: process.env.QUEUE_URL?.trim() || undefined,
    ...stateTable(table),
    sendQueue: readSendQueue(),
    sessionScope: readSessionScope(),
    streamReplies: boolEnv("STREAM_REPLIES", true),
    media: readMedia(),
  };
}

/** Defaults of the media limits, as the modules' (modules/lib/variables.ts). */
const MEDIA_DEFAULTS = { maxBytes: 20 * 1024 * 1024, maxCount: 10, urlSeconds: 900 } as const;

/** The media settings from the environment (MEDIA_BUCKET, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MEDIA_URL_SECONDS). */
export function readMedia(): MediaSettings {
  const bucket = process.env.MEDIA_BUCKET?.trim();
  const urlSeconds = intEnv("MEDIA_URL_SECONDS", MEDIA_DEFAULTS.urlSeconds, 60, 43_200);
  return {
    store: bucket ? s3MediaStore(bucket, urlSeconds) : undefined,
    maxBytes: intEnv("MAX_ATTACHMENT_BYTES", MEDIA_DEFAULTS.maxBytes, 1, 100 * 1024 * 1024),
    maxCount: intEnv("MAX_ATTACHMENTS", MEDIA_DEFAULTS.maxCount, 0, 20),
  };
}

/** SESSION_SCOPE: `conversation` (default) or `user`. */
function readSessionScope(): SessionScope {
  const scope = optionalEnv("SESSION_SCOPE", "conversation");
  if (scope !== "conversation" && scope !== "user") {
    throw new ConfigError(
      `SESSION_SCOPE=${JSON.stringify(scope)} is neither "conversation" (one agent session per chat) nor "user" (one per user in each chat)`,
    );
  }
  return scope;
}

/** The send ledger and the conversations' sessions, in `table`; neither without one. */
function stateTable(table: string | undefined): Pick<WorkerSettings, "ledger" | "sessions" | "contacts"> {
  if (!table) return { ledger: noLedger, sessions: noSessions, contacts: noContacts };
  return { ledger: dynamoLedger(table), sessions: dynamoSessions(table), contacts: dynamoContacts(table) };
}

/** The send queue a worker consumes besides its main queue: its records are messages the agent starts. */
export interface SendQueue {
  readonly url: string;
  /** The records' `eventSourceARN`. */
  readonly arn: string;
  readonly dlqUrl: string | undefined;
}

/** SEND_QUEUE_URL, SEND_QUEUE_ARN and SEND_DLQ_URL: the send queue, when the worker has one. */
function readSendQueue(): SendQueue | undefined {
  const arn = process.env.SEND_QUEUE_ARN?.trim();
  if (!arn) return undefined;
  if (!/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+\.fifo$/.test(arn)) {
    throw new ConfigError(`SEND_QUEUE_ARN=${JSON.stringify(arn)} is not the ARN of a FIFO queue`);
  }
  const url = requiredEnv("SEND_QUEUE_URL", "set it to the URL of the queue SEND_QUEUE_ARN names");
  return { url, arn, dlqUrl: process.env.SEND_DLQ_URL?.trim() || undefined };
}

/**
 * The agent: `AGENT_URL` (an agent serving the AgentCore container contract, for local runs) or
 * else `AGENT_RUNTIME_ARN` (+ `AGENT_QUALIFIER`, `AGENT_USER_ID`) on AgentCore Runtime.
 */
function readAgent(): Agent {
  const url = process.env.AGENT_URL?.trim();
  if (url) {
    if (!/^https?:\/\//.test(url))
      throw new ConfigError(`AGENT_URL=${JSON.stringify(url)} is not an http(s) URL`);
    return containerAgent(url);
  }
  const runtimeArn = requiredEnv("AGENT_RUNTIME_ARN", "set it to the ARN of your AgentCore runtime");
  if (!RUNTIME_ARN.test(runtimeArn)) {
    throw new ConfigError(
      `AGENT_RUNTIME_ARN=${JSON.stringify(runtimeArn)} is not an AgentCore runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)`,
    );
  }
  return agentCore({
    runtimeArn,
    qualifier: optionalEnv("AGENT_QUALIFIER", "DEFAULT"),
    passUserId: boolEnv("AGENT_USER_ID"),
  });
}
