/**
 * The relay's Discord side end to end: the real relay code (startRelay → @discordjs/ws) against a
 * loopback Discord gateway speaking the real protocol, enqueueing with the real AWS SDK into fauxqs.
 * The envelopes are the shared contract the Discord worker answers.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, spyOn, test } from "bun:test";
import * as v from "valibot";
import { awsTestEnv } from "../emulators/aws-env.ts";
import {
  DEFAULT_DISCORD_TOKEN,
  FAKE_BOT,
  type FakeDiscordGateway,
  MESSAGE_CONTENT_INTENT,
  startDiscordGateway,
} from "../emulators/discord-gateway.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../emulators/sqs.ts";
import { EnvelopeSchema } from "../handlers/core/envelope.ts";
import type { RelayConfig } from "../relay/config.ts";
import { type Relay, startRelay } from "../relay/start.ts";
import type { ObjectStore } from "../relay/store.ts";
import { envelopesOn, eventually, type FlakyProxy, memoryStore, startFlakyProxy } from "../relay/testing.ts";
import { setEnv } from "./harness/env.ts";

const GUILD = "400000000000000001";
const unthrottled = { waitForIdentify: async () => {} };

let sqs: LocalSqs;
let proxy: FlakyProxy;
let queue: FifoPair;
let restoreEnv: () => void;
let gateway: FakeDiscordGateway;
let relay: Relay | undefined;

function config(overrides: Partial<NonNullable<RelayConfig["discord"]>> = {}): RelayConfig {
  return {
    port: 0,
    shutdownTimeoutMs: 5_000,
    // Through the proxy (the SDK sends to the QueueUrl's host), so tests can break SQS.
    discord: {
      queueUrl: proxy.url + new URL(queue.queueUrl).pathname,
      token: DEFAULT_DISCORD_TOKEN,
      apiUrl: gateway.apiUrl,
      ...overrides,
    },
  };
}

async function start(relayConfig = config(), store?: ObjectStore): Promise<Relay> {
  relay = await startRelay(relayConfig, {
    ...(store ? { store } : {}),
    discord: { identifyThrottler: unthrottled },
    enqueue: { firstDelayMs: 50, budgetMs: 10_000 },
  });
  return relay;
}

const health = async (r: Relay) => {
  const response = await fetch(`http://127.0.0.1:${r.port}/health`);
  return {
    status: response.status,
    body: (await response.json()) as { connections: Record<string, { state: string }> },
  };
};
const state = (r: Relay) => r.connections.get("discord")?.state;
const until = (r: Relay, wanted: string) => r.connections.until((c) => c.get("discord")?.state === wanted);
const queued = () => envelopesOn(sqs, queue.queueUrl);

beforeAll(async () => {
  sqs = await startSqs();
  proxy = startFlakyProxy(sqs.endpoint);
  queue = await sqs.createFifoPair("discord");
  restoreEnv = setEnv({ ...awsTestEnv({ sqs: proxy.url, maxAttempts: 1 }), LOG_LEVEL: "error" });
});

afterAll(async () => {
  restoreEnv();
  await proxy.close();
  await sqs.close();
});

beforeEach(async () => {
  gateway = await startDiscordGateway();
  proxy.down = false;
  proxy.delayMs = 0;
});

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await gateway.close();
  await queued();
});

describe("messages become envelopes on the Discord queue", () => {
  test("a direct message → one envelope of the shared contract", async () => {
    const r = await start();
    await gateway.ready();
    await until(r, "ready");
    const sent = gateway.messageCreate({ content: "hello agent" });
    const [envelope, ...rest] = await eventually(async () => {
      const found = await queued();
      return found.length > 0 ? found : undefined;
    });
    expect(rest).toEqual([]);
    expect(v.safeParse(EnvelopeSchema, envelope).success).toBe(true);
    expect(envelope).toMatchObject({
      v: 1,
      channel: "discord",
      eventId: sent.id,
      conversation: sent.channel_id,
      user: { id: sent.author.id, name: "Ada Lovelace" },
      text: "hello agent",
      attachments: [],
      reply: { kind: "message", channelId: sent.channel_id, messageId: sent.id },
    });
    expect(envelope?.thread).toBeUndefined();
    expect(Math.abs((envelope?.receivedAt ?? 0) - Date.now())).toBeLessThan(5_000);
    // The gateway was asked for what the worker needs: guild + direct messages and their content.
    const identify = gateway.frames.items.find((f) => f.op === 2)?.d as { intents: number; token: string };
    expect(identify.intents).toBe((1 << 9) | (1 << 12) | MESSAGE_CONTENT_INTENT);
    expect(gateway.rest.items).toEqual([{ method: "GET", path: "/api/v10/gateway/bot", authorized: true }]);
  });

  test("server messages: nothing without a mention; with one, the mention is stripped", async () => {
    const r = await start();
    await until(r, "ready");
    gateway.messageCreate({ guildId: GUILD, content: "just chatting" });
    gateway.messageCreate({
      guildId: GUILD,
      content: "<@123456789012345678> not you",
      mentions: ["123456789012345678"],
    });
    const addressed = gateway.messageCreate({
      guildId: GUILD,
      content: `<@${FAKE_BOT.id}> what is the time?`,
      mentions: [FAKE_BOT.id],
    });
    const replied = gateway.messageCreate({
      guildId: GUILD,
      content: "and now?",
      replyToAuthorId: FAKE_BOT.id,
    });
    const envelopes = await eventually(async () => {
      const found = await queued();
      return found.length >= 2 ? found : undefined;
    });
    await Bun.sleep(100);
    expect([...envelopes, ...(await queued())].map((e) => [e.eventId, e.text, e.reply])).toEqual([
      [
        addressed.id,
        "what is the time?",
        { kind: "message", channelId: addressed.channel_id, messageId: addressed.id, guildId: GUILD },
      ],
      [
        replied.id,
        "and now?",
        { kind: "message", channelId: replied.channel_id, messageId: replied.id, guildId: GUILD },
      ],
    ]);
  });

  test("bots (the relay's own bot too) and webhooks are ignored; garbage is logged, not queued", async () => {
    const warn = spyOn(console, "error").mockImplementation(() => {});
    const r = await start();
    await until(r, "ready");
    gateway.messageCreate({ authorId: FAKE_BOT.id, bot: true, content: "my own answer" });
    gateway.messageCreate({ bot: true, content: "another bot" });
    gateway.messageCreate({ webhookId: "500000000000000001", content: "a webhook" });
    gateway.dispatch("MESSAGE_CREATE", { id: "not a message" });
    const last = gateway.messageCreate({ content: "a person" });
    const envelopes = await eventually(async () => {
      const found = await queued();
      return found.length > 0 ? found : undefined;
    });
    expect(envelopes.map((e) => e.eventId)).toEqual([last.id]);
    warn.mockRestore();
  });

  test("attachments travel as metadata (URL, type, size, name)", async () => {
    const r = await start();
    await until(r, "ready");
    gateway.messageCreate({
      content: "",
      attachments: [
        {
          filename: "cat.png",
          content_type: "image/png",
          size: 1234,
          url: "https://cdn.discordapp.com/a/cat.png",
        },
      ],
    });
    const [envelope] = await eventually(async () => {
      const found = await queued();
      return found.length > 0 ? found : undefined;
    });
    expect(envelope?.attachments).toEqual([
      {
        kind: "image",
        id: "https://cdn.discordapp.com/a/cat.png",
        mime: "image/png",
        size: 1234,
        name: "cat.png",
      },
    ]);
  });
});

describe("the connection survives what Discord does to it", () => {
  test("RECONNECT → RESUME with the same session and last sequence; what was missed is replayed, once", async () => {
    const r = await start();
    await until(r, "ready");
    gateway.messageCreate({ content: "before" });
    await eventually(() => gateway.session && gateway.session.seq >= 2);
    const before = { ...gateway.session };
    gateway.reconnect();
    await eventually(() => gateway.closes.items.length === 1);
    // Sent while the relay is between connections: Discord keeps it for the resumed session.
    const missed = gateway.messageCreate({ content: "while away" });
    await eventually(() => gateway.frames.items.some((f) => f.op === 6));
    await until(r, "ready");
    const resume = gateway.frames.items.find((f) => f.op === 6);
    expect(resume?.connection).toBe(2);
    expect(resume?.d).toEqual({ token: DEFAULT_DISCORD_TOKEN, session_id: before.id, seq: before.seq });
    expect(gateway.frames.items.filter((f) => f.op === 2)).toHaveLength(1); // no new IDENTIFY
    const after = gateway.messageCreate({ content: "after" });
    const envelopes = await eventually(async () => {
      const found = await queued();
      return found.length >= 3 ? found : undefined;
      // A resume on a loaded machine (the whole suite on two cores) can take seconds: wait, do not time it.
    }, 15_000);
    await Bun.sleep(100);
    const all = [...envelopes, ...(await queued())];
    expect(all.map((e) => e.text)).toEqual(["before", "while away", "after"]);
    expect(all.map((e) => e.eventId)).toContain(missed.id);
    expect(all.map((e) => e.eventId)).toContain(after.id);
  });

  test("a replaced relay resumes the session: what was sent meanwhile is queued, nothing twice", async () => {
    const store = memoryStore();
    const first = await start(config(), store);
    await until(first, "ready");
    gateway.messageCreate({ content: "before" });
    await eventually(async () => (await queued()).length === 1);
    await first.stop();
    expect(gateway.closes.items.at(-1)?.code).toBe(4200); // not 1000: the session stays resumable
    const saved = JSON.parse(String(store.objects.get("discord/session.json")));
    expect(saved).toMatchObject({ sessionId: gateway.session?.id, sequence: 2, botId: FAKE_BOT.id });
    expect(JSON.stringify(saved)).not.toContain(DEFAULT_DISCORD_TOKEN);

    const missed = gateway.messageCreate({ content: "while replaced" });
    const second = await start(config(), store);
    await until(second, "ready");
    expect(gateway.frames.items.filter((f) => f.op === 2)).toHaveLength(1); // resumed, not identified
    expect(gateway.frames.items.find((f) => f.op === 6)?.d).toMatchObject({
      session_id: saved.sessionId,
      seq: 2,
    });
    const envelopes = await eventually(async () => {
      const found = await queued();
      return found.length > 0 ? found : undefined;
    });
    await Bun.sleep(100);
    expect([...envelopes, ...(await queued())].map((e) => [e.eventId, e.text])).toEqual([
      [missed.id, "while replaced"],
    ]);
    expect(store.objects.has("discord/session.json")).toBe(false); // taken: tried once
  });

  test("a saved session Discord no longer knows → INVALID_SESSION → a fresh IDENTIFY", async () => {
    const store = memoryStore();
    const saved = {
      sessionId: "gone",
      sequence: 9,
      resumeURL: gateway.gatewayUrl,
      botId: FAKE_BOT.id,
      savedAt: Date.now(),
    };
    await store.put("discord/session.json", JSON.stringify(saved), "application/json");
    const r = await start(config(), store);
    await until(r, "ready");
    expect(gateway.frames.items.map((f) => f.op).filter((op) => op === 6 || op === 2)).toEqual([6, 2]);
    gateway.messageCreate({ content: "fresh" });
    const envelopes = await eventually(async () => {
      const found = await queued();
      return found.length > 0 ? found : undefined;
    });
    expect(envelopes.map((e) => e.text)).toEqual(["fresh"]);
  });

  test("a dropped socket (close 4000) is resumed; health is 503 meanwhile, 200 after", async () => {
    const r = await start();
    await until(r, "ready");
    expect((await health(r)).status).toBe(200);
    gateway.drop(4000);
    await until(r, "reconnecting");
    const down = await health(r);
    expect(down.status).toBe(503);
    expect(down.body.connections.discord?.state).toBe("reconnecting");
    await until(r, "ready");
    expect((await health(r)).status).toBe(200);
    expect(gateway.frames.items.filter((f) => f.op === 6)).toHaveLength(1);
  });

  test("INVALID_SESSION (not resumable) → a fresh IDENTIFY and a new session", async () => {
    const r = await start();
    await until(r, "ready");
    const first = gateway.session?.id;
    gateway.invalidSession(false);
    await eventually(() => gateway.frames.items.filter((f) => f.op === 2).length === 2);
    await until(r, "ready");
    expect(gateway.session?.id).not.toBe(first);
    gateway.messageCreate({ content: "new session" });
    const envelopes = await eventually(async () => {
      const found = await queued();
      return found.length > 0 ? found : undefined;
    });
    expect(envelopes.map((e) => e.text)).toEqual(["new session"]);
  });

  test("heartbeats are answered: HEARTBEAT carries the last sequence", async () => {
    await gateway.close();
    gateway = await startDiscordGateway({ heartbeatIntervalMs: 100 });
    const r = await start(config({ apiUrl: gateway.apiUrl }));
    await until(r, "ready");
    const beat = await gateway.frames.waitFor((frames) => frames.find((f) => f.op === 1), 2_000);
    expect(beat.d).toBe(1); // READY was sequence 1
    expect(state(r)).toBe("ready");
  });
});

describe("failures an operator must fix are reported, not retried", () => {
  test("Message Content intent not enabled → close 4014, a clear error, health 503", async () => {
    await gateway.close();
    gateway = await startDiscordGateway({ messageContentIntent: false });
    const errors = spyOn(console, "error").mockImplementation(() => {});
    try {
      const r = await start(config({ apiUrl: gateway.apiUrl }));
      await until(r, "failed");
      const logged = errors.mock.calls.map((c) => String(c[0])).join("\n");
      expect(logged).toContain("MESSAGE CONTENT INTENT");
      expect(logged).toContain("close 4014");
      expect(logged).not.toContain(DEFAULT_DISCORD_TOKEN);
      const { status, body } = await health(r);
      expect(status).toBe(503);
      expect(body.connections.discord?.state).toBe("failed");
      await Bun.sleep(700); // longer than the library's reconnect delay: no second attempt
      expect(gateway.connectionCount).toBe(1);
    } finally {
      errors.mockRestore();
    }
  });

  test("a refused token (401 on GET /gateway/bot) → failed, the token never logged", async () => {
    const errors = spyOn(console, "error").mockImplementation(() => {});
    try {
      const r = await start(config({ token: "wrong.token.value" }));
      await until(r, "failed");
      expect(r.connections.get("discord")?.detail).toContain("401");
      expect(errors.mock.calls.map((c) => String(c[0])).join("\n")).not.toContain("wrong.token.value");
      expect(gateway.connectionCount).toBe(0);
    } finally {
      errors.mockRestore();
    }
  });
});

describe("nothing lost when SQS fails", () => {
  test("SQS down → the relay retries until SQS takes the message", async () => {
    const r = await start();
    await until(r, "ready");
    proxy.down = true;
    gateway.messageCreate({ content: "patience" });
    await eventually(() => proxy.requests > 3 && r.connections.get("discord"));
    expect(await sqs.depth(queue.queueUrl)).toMatchObject({ visible: 0 });
    proxy.down = false;
    const envelopes = await eventually(async () => {
      const found = await queued();
      return found.length > 0 ? found : undefined;
    });
    expect(envelopes.map((e) => e.text)).toEqual(["patience"]);
  });

  test("stop() waits for an enqueue in flight, then closes the gateway with 1000", async () => {
    const r = await start();
    await until(r, "ready");
    proxy.delayMs = 300;
    const sent = proxy.requests;
    gateway.messageCreate({ content: "in flight" });
    await eventually(() => proxy.requests > sent); // its SendMessage is held at the proxy
    await r.stop();
    relay = undefined;
    proxy.delayMs = 0;
    expect((await queued()).map((e) => e.text)).toEqual(["in flight"]);
    expect(gateway.closes.items.at(-1)?.code).toBe(1000);
    expect(state(r)).toBe("stopped");
  });
});
