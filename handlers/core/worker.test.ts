import { afterAll, beforeAll, expect, test } from "bun:test";
import type { SQSEvent } from "aws-lambda";
import * as v from "valibot";
import { sampleEnvelope } from "../../test/fixtures.ts";
import { setEnv } from "../../test/harness/env.ts";
import { allowlistOnly } from "./access/settings.ts";
import type { ChannelAdapter, Outbox } from "./adapter.ts";
import { type SessionScope, sessionId } from "./agent/session-id.ts";
import type { Envelope } from "./envelope.ts";
import { AgentError, PlatformError } from "./errors.ts";
import { LedgerError, noLedger, type SendLedger } from "./ledger.ts";
import { notices } from "./notices.ts";
import { noContacts } from "./outbound/contacts.ts";
import { noSecret, type SecretLoader } from "./secrets.ts";
import { noSessions, SessionStoreError, type Sessions } from "./session-generations.ts";
import { readWorkerSettings } from "./worker/settings.ts";
import { createWorker } from "./worker.ts";

/** A channel whose sends fail while `platformDown` is set. */
function testChannel(state: { platformDown: boolean; sent: string[] }) {
  const adapter: ChannelAdapter<object, { to: string }> = {
    channel: "test",
    secretSchema: v.object({}),
    replySchema: v.object({ to: v.string() }),
    typingIntervalMs: 60_000,
    outbox: () => ({
      render: (markdown) => markdown,
      limit: 4096,
      typing: async () => {},
      async post(_reply, part) {
        if (state.platformDown) {
          throw new PlatformError("test", "send", { status: 503, reason: "down", retryable: true });
        }
        state.sent.push(part.text);
        return undefined;
      },
    }),
    setup: async () => ({}),
    teardown: async () => ({}),
  };
  return adapter;
}

const refusingAgent = {
  // biome-ignore lint/correctness/useYield: it fails before it answers
  stream: async function* (): AsyncGenerator<string> {
    throw new AgentError("AccessDeniedException", { retryable: false, status: 403 });
  },
  end: async () => {},
};

const event = (attempt: number, envelope: Partial<Envelope> = {}): SQSEvent => ({
  Records: [
    {
      messageId: "m1",
      receiptHandle: "r1",
      body: JSON.stringify({ ...sampleEnvelope, channel: "test", reply: { to: "x" }, ...envelope }),
      attributes: { ApproximateReceiveCount: String(attempt), MessageGroupId: "g" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:q.fifo",
      awsRegion: "us-east-1",
    } as unknown as SQSEvent["Records"][number],
  ],
});

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "error" });
});
afterAll(() => restore());

test("an agent refusing for good: the user is told once and the message is done", async () => {
  const state = { platformDown: false, sent: [] as string[] };
  const worker = createWorker(testChannel(state), {
    settings: () => ({
      agent: refusingAgent,
      access: allowlistOnly("7"),
      accessStore: undefined,
      burstWindowMs: 0,
      maxReceiveCount: 3,
      queueUrl: undefined,
      ledger: noLedger,
      sessions: noSessions,
      contacts: noContacts,
      sendQueue: undefined,
      sessionScope: "conversation",
      streamReplies: true,
      media: { store: undefined, maxBytes: 1024, maxCount: 10 },
    }),
    secret: noSecret,
  });
  expect(await worker(event(1))).toEqual({ batchItemFailures: [] });
  expect(state.sent).toEqual([notices.failed]);
});

test("…and when that notice cannot be delivered, the message is kept (retried, then the DLQ), not dropped", async () => {
  const state = { platformDown: true, sent: [] as string[] };
  const worker = createWorker(testChannel(state), {
    settings: () => ({
      agent: refusingAgent,
      access: allowlistOnly("7"),
      accessStore: undefined,
      burstWindowMs: 0,
      maxReceiveCount: 3,
      queueUrl: undefined,
      ledger: noLedger,
      sessions: noSessions,
      contacts: noContacts,
      sendQueue: undefined,
      sessionScope: "conversation",
      streamReplies: true,
      media: { store: undefined, maxBytes: 1024, maxCount: 10 },
    }),
    secret: noSecret,
  });
  expect(await worker(event(1))).toEqual({ batchItemFailures: [{ itemIdentifier: "m1" }] });
  state.platformDown = false;
  expect(await worker(event(2))).toEqual({ batchItemFailures: [] });
  expect(state.sent).toEqual([notices.failed]);
});

/** An agent that echoes, counting its calls. */
function echoAgent() {
  const calls: string[] = [];
  return {
    calls,
    async *stream(envelope: { text: string }, session: string) {
      calls.push(session);
      yield `echo: ${envelope.text}`;
    },
    end: async () => {},
  };
}

/** A worker of the test channel with the given agent, ledger and sessions. */
function workerWith(
  state: { platformDown: boolean; sent: string[] },
  parts: {
    agent: ReturnType<typeof echoAgent>;
    ledger?: SendLedger;
    sessions?: Sessions;
    sessionScope?: SessionScope;
    sessionKey?: string;
  },
) {
  return createWorker(testChannel(state), {
    settings: () => ({
      agent: parts.agent,
      access: allowlistOnly("7"),
      accessStore: undefined,
      burstWindowMs: 0,
      maxReceiveCount: 3,
      queueUrl: undefined,
      ledger: parts.ledger ?? noLedger,
      sessions: parts.sessions ?? noSessions,
      contacts: noContacts,
      sendQueue: undefined,
      sessionScope: parts.sessionScope ?? "conversation",
      streamReplies: true,
      media: { store: undefined, maxBytes: 1024, maxCount: 10 },
    }),
    secret: parts.sessionKey ? loaderOf({ session_key: parts.sessionKey }) : noSecret,
  });
}

/** A secret loader that gives `value`. */
const loaderOf = <T>(value: T): SecretLoader<T> =>
  Object.assign(async () => value, { fresh: async () => value, staleAfter: async () => undefined });

/** Sessions in memory, by scope key. */
function memorySessions(): Sessions & { generations: Map<string, number> } {
  const generations = new Map<string, number>();
  return {
    generations,
    current: async (scope) => generations.get(scope) ?? 0,
    next: async (scope) => {
      generations.set(scope, (generations.get(scope) ?? 0) + 1);
      return generations.get(scope) ?? 0;
    },
  };
}

const context = (remainingMs: number) =>
  ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Parameters<
    ReturnType<typeof createWorker>
  >[1];

test("a ledger write failing after the reply went out does not fail the message (a retry would send it again)", async () => {
  const state = { platformDown: false, sent: [] as string[] };
  const failing = async () => {
    throw new LedgerError("write", new Error("throttled"));
  };
  const ledger: SendLedger = { ...noLedger, sending: failing, delivered: failing, complete: failing };
  const worker = workerWith(state, { agent: echoAgent(), ledger });
  expect(await worker(event(1))).toEqual({ batchItemFailures: [] });
  expect(state.sent).toEqual(["echo: hello"]);
});

test("the session store failing before the agent: the message comes back, the agent not asked, nothing sent", async () => {
  const state = { platformDown: false, sent: [] as string[] };
  const agent = echoAgent();
  const sessions: Sessions = {
    current: async () => {
      throw new SessionStoreError("read", new Error("unreachable"));
    },
    next: async () => 1,
  };
  const worker = workerWith(state, { agent, sessions });
  expect(await worker(event(1))).toEqual({ batchItemFailures: [{ itemIdentifier: "m1" }] });
  expect(agent.calls).toEqual([]);
  expect(state.sent).toEqual([]);
});

test("under a second left for the agent: it is not asked, and the message comes back for a later invocation", async () => {
  const state = { platformDown: false, sent: [] as string[] };
  const agent = echoAgent();
  const worker = workerWith(state, { agent });
  expect(await worker(event(1), context(1_500))).toEqual({ batchItemFailures: [{ itemIdentifier: "m1" }] });
  expect(agent.calls).toEqual([]);
  expect(await worker(event(2), context(30_000))).toEqual({ batchItemFailures: [] });
  expect(state.sent).toEqual(["echo: hello"]);
});

test("a stranger is refused aloud, but on a channel that answers no strangers, nothing at all is sent", async () => {
  for (const answersStrangers of [true, false]) {
    const state = { platformDown: false, sent: [] as string[] };
    const agent = echoAgent();
    let typing = 0;
    const channel = testChannel(state);
    const adapter: typeof channel = {
      ...channel,
      answersStrangers,
      outbox: (secret) => ({ ...channel.outbox(secret), typing: async () => void typing++ }),
    };
    const worker = createWorker(adapter, {
      settings: () => ({
        agent,
        access: allowlistOnly("8"),
        accessStore: undefined,
        burstWindowMs: 0,
        maxReceiveCount: 3,
        queueUrl: undefined,
        ledger: noLedger,
        sessions: noSessions,
        contacts: noContacts,
        sendQueue: undefined,
        sessionScope: "conversation",
        streamReplies: true,
        media: { store: undefined, maxBytes: 1024, maxCount: 10 },
      }),
      secret: noSecret,
    });
    expect(await worker(event(1))).toEqual({ batchItemFailures: [] });
    expect(state.sent).toEqual(answersStrangers ? [notices.refused] : []);
    expect(agent.calls).toEqual([]);
    expect(typing).toBe(0);
  }
});

const KEY = "a-deployment-session-key-0123456789abcdef";

test("session ids: keyed with the secret's session_key; without one, the unkeyed ids of earlier versions", async () => {
  const state = { platformDown: false, sent: [] as string[] };
  const keyed = echoAgent();
  await workerWith(state, { agent: keyed, sessionKey: KEY })(event(1));
  const unkeyed = echoAgent();
  await workerWith(state, { agent: unkeyed })(event(1));
  const envelope = { ...sampleEnvelope, channel: "test" };
  expect(keyed.calls).toEqual([sessionId(envelope, 0, { scope: "conversation", key: KEY })]);
  expect(unkeyed.calls).toEqual([sessionId(envelope)]);
  expect(keyed.calls[0]).not.toBe(unkeyed.calls[0]);
  expect(keyed.calls[0]).toMatch(/^test-[0-9a-f]{64}$/);
});

test("per-user sessions: each member of a group has their own, and /new starts afresh only the sender's", async () => {
  const state = { platformDown: false, sent: [] as string[] };
  const group = { conversation: "-1001", reply: { to: "x" } };
  const ada = { ...group, user: { id: "7", name: "Ada" } };
  const bob = { ...group, user: { id: "8", name: "Bob" } };
  for (const sessionScope of ["user", "conversation"] as const) {
    const agent = echoAgent();
    const sessions = memorySessions();
    const worker = createWorker(testChannel(state), {
      settings: () => ({
        agent,
        access: allowlistOnly("7,8"),
        accessStore: undefined,
        burstWindowMs: 0,
        maxReceiveCount: 3,
        queueUrl: undefined,
        ledger: noLedger,
        sessions,
        contacts: noContacts,
        sendQueue: undefined,
        sessionScope,
        streamReplies: true,
        media: { store: undefined, maxBytes: 1024, maxCount: 10 },
      }),
      secret: loaderOf({ session_key: KEY }),
    });
    await worker(event(1, { ...ada, eventId: "1" }));
    await worker(event(1, { ...bob, eventId: "2" }));
    await worker(event(1, { ...ada, eventId: "3", command: "new", text: "" }));
    await worker(event(1, { ...ada, eventId: "4" }));
    await worker(event(1, { ...bob, eventId: "5" }));
    const [adaFirst, bobFirst, adaAfter, bobAfter] = agent.calls;
    if (sessionScope === "user") {
      expect(new Set(agent.calls).size).toBe(3);
      expect(adaFirst).not.toBe(bobFirst);
      expect(adaAfter).not.toBe(adaFirst); // Ada's /new: a new session for Ada …
      expect(bobAfter).toBe(bobFirst); // … and Bob's goes on.
      expect([...sessions.generations]).toEqual([["test:-1001#user:7", 1]]);
    } else {
      expect(bobFirst).toBe(adaFirst);
      expect(adaAfter).not.toBe(adaFirst); // one session for the chat: Ada's /new ends it for both
      expect(bobAfter).toBe(adaAfter);
      expect([...sessions.generations]).toEqual([["test:-1001", 1]]);
    }
  }
});

test("SESSION_SCOPE: conversation by default, or user; anything else is named", () => {
  const base = { AGENT_URL: "http://127.0.0.1:9", ALLOWED_USERS: "7", LEDGER_TABLE: undefined };
  for (const [value, scope] of [
    [undefined, "conversation"],
    ["conversation", "conversation"],
    ["user", "user"],
  ] as const) {
    const restoreScope = setEnv({ ...base, SESSION_SCOPE: value });
    try {
      expect(readWorkerSettings("test").sessionScope).toBe(scope);
    } finally {
      restoreScope();
    }
  }
  const restoreBad = setEnv({ ...base, SESSION_SCOPE: "per-user" });
  try {
    expect(() => readWorkerSettings("test")).toThrow('SESSION_SCOPE="per-user"');
  } finally {
    restoreBad();
  }
});

/** The test channel with its own typing indicator. */
function typingChannel(
  state: { platformDown: boolean; sent: string[] },
  typing: Partial<Outbox<{ to: string }>>,
) {
  const channel = testChannel(state);
  return { ...channel, outbox: (secret: object) => ({ ...channel.outbox(secret), ...typing }) };
}

const echoSettings = () => ({
  agent: echoAgent(),
  access: allowlistOnly("7"),
  accessStore: undefined,
  burstWindowMs: 0,
  maxReceiveCount: 3,
  queueUrl: undefined,
  ledger: noLedger,
  sessions: noSessions,
  contacts: noContacts,
  sendQueue: undefined,
  sessionScope: "conversation" as const,
  streamReplies: true,
  media: { store: undefined, maxBytes: 1024, maxCount: 10 },
});

test("the typing indicator is over and cleared before the handler returns: Lambda never freezes those calls half-done", async () => {
  const state = { platformDown: false, sent: [] as string[] };
  const calls: string[] = [];
  const channel = typingChannel(state, {
    typing: async () => {
      await Bun.sleep(20);
      calls.push("typing");
    },
    typingDone: async () => {
      await Bun.sleep(20);
      calls.push("typing done");
    },
  });
  const worker = createWorker(channel, { settings: echoSettings, secret: noSecret });
  expect(await worker(event(1), context(30_000))).toEqual({ batchItemFailures: [] });
  // Cleared after the last indicator call ended, so none lands after it.
  expect(calls).toEqual(["typing", "typing done"]);
  expect(state.sent).toEqual(["echo: hello"]);
});

test("…and a clearing call that never ends holds the handler only until the invocation's platform calls must stop", async () => {
  const state = { platformDown: false, sent: [] as string[] };
  const channel = typingChannel(state, { typingDone: () => new Promise<void>(() => {}) });
  const worker = createWorker(channel, { settings: echoSettings, secret: noSecret });
  expect(await worker(event(1), context(3_000))).toEqual({ batchItemFailures: [] });
  expect(state.sent).toEqual(["echo: hello"]);
});
