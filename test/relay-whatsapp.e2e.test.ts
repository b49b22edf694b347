/**
 * WhatsApp personal end to end: the real relay code with a fake WhatsApp socket (Baileys' shapes),
 * fauxqs for SQS and S3, the built worker bundle (modules/whatsapp-personal/dist/worker.mjs) with the
 * fake AgentCore. Inbound: socket → relay → WhatsApp-personal queue → worker → outbound queue →
 * relay → socket. Pairing: QR code → S3 PNG; auth state in S3 survives a restart.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { SQSEvent } from "aws-lambda";
import {
  agentReply,
  FAKE_AGENT_RUNTIME_ARN,
  type FakeAgentCore,
  startAgentCore,
} from "../emulators/agentcore.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { drain } from "../emulators/lambda.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../emulators/sqs.ts";
import type { RelayConfig } from "../relay/config.ts";
import { healthCheck } from "../relay/healthcheck.ts";
import { type Relay, startRelay } from "../relay/start.ts";
import { s3Store } from "../relay/store.ts";
import { envelopesOn, eventually } from "../relay/testing.ts";
import { eventIdOf } from "../relay/whatsapp/inbound.ts";
import { QR_OBJECT } from "../relay/whatsapp/qr.ts";
import { FAKE_ME, FakeWhatsApp, waText } from "../relay/whatsapp/testing.ts";
import { loadBundle } from "./harness/bundles.ts";
import { setEnv } from "./harness/env.ts";

type WorkerHandler = (event: SQSEvent) => Promise<unknown>;

const BUCKET = "relay-auth";
const PREFIX = "whatsapp-personal/";
const ALICE = "4915551234567@s.whatsapp.net";
const STRANGER = "4915559999999@s.whatsapp.net";
const GROUP = "120363000000000001@g.us";

let sqs: LocalSqs;
let agentcore: FakeAgentCore;
let inbound: FifoPair;
let outbound: FifoPair;
let restoreEnv: () => void;
let worker: WorkerHandler;
let whatsapp: FakeWhatsApp;
let relay: Relay | undefined;

const config = (logQr = false): RelayConfig => ({
  port: 0,
  shutdownTimeoutMs: 5_000,
  stateBucket: BUCKET,
  whatsapp: {
    queueUrl: inbound.queueUrl,
    outboundQueueUrl: outbound.queueUrl,
    bucket: BUCKET,
    prefix: PREFIX,
    allowedUsers: [ALICE],
    logQr,
  },
});

async function start(logQr = false): Promise<Relay> {
  relay = await startRelay(config(logQr), {
    whatsapp: {
      connect: whatsapp.connect,
      outboundWaitSeconds: 0,
      outboundRetryDelay: () => 0,
      reconnectDelayMs: 20,
      unlinkedCheckMs: 50,
    },
    enqueue: { firstDelayMs: 50, budgetMs: 5_000 },
  });
  return relay;
}

/** Starts the relay and brings it to an open, paired session. */
async function startOpen(): Promise<Relay> {
  const r = await start();
  const connection = await whatsapp.latest();
  whatsapp.open(connection);
  await r.connections.until((c) => c.get("whatsapp")?.state === "ready");
  return r;
}

const state = (r: Relay) => r.connections.get("whatsapp")?.state;
const health = async (r: Relay) => (await fetch(`http://127.0.0.1:${r.port}/health`)).status;
/** The container health check's verdict (0: no restart needed, 1: restart). */
const check = (r: Relay) => healthCheck(`http://127.0.0.1:${r.port}/health`);
const store = () => s3Store(BUCKET);
/** An object's bytes, or undefined when there is none. */
async function objectBytes(key: string): Promise<Uint8Array | undefined> {
  const s3 = new S3Client({});
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return await out.Body?.transformToByteArray();
  } catch {
    return undefined;
  } finally {
    s3.destroy();
  }
}
const work = () => drain(sqs, inbound.queueUrl, inbound.queueArn, (event) => worker(event) as never);
const texts = () => whatsapp.sent.items.flatMap((s) => (s.kind === "text" ? [s] : []));

beforeAll(async () => {
  sqs = await startSqs();
  agentcore = await startAgentCore();
  sqs.server.createBucket(BUCKET);
  inbound = await sqs.createFifoPair("whatsapp-personal");
  outbound = await sqs.createFifoPair("whatsapp-personal-outbound", { maxReceiveCount: 3 });
  restoreEnv = setEnv({
    ...awsTestEnv({ sqs, agentcore, maxAttempts: 1 }),
    AWS_ENDPOINT_URL_S3: sqs.endpoint,
    LOG_LEVEL: "error",
    // The worker's environment, as modules/whatsapp-personal sets it.
    QUEUE_URL: inbound.queueUrl,
    OUTBOUND_QUEUE_URL: outbound.queueUrl,
    AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
    ALLOWED_USERS: ALICE,
    MAX_RECEIVE_COUNT: "3",
    // The media bucket carries the files the agent sends to the relay (here the relay's own bucket).
    MEDIA_BUCKET: BUCKET,
  });
  worker = (await loadBundle<{ handler: WorkerHandler }>("modules/whatsapp-personal/dist/worker.mjs"))
    .handler;
});

afterAll(async () => {
  restoreEnv();
  await agentcore.close();
  await sqs.close();
});

beforeEach(async () => {
  whatsapp = new FakeWhatsApp();
  agentcore.reset();
  await store().deletePrefix("");
});

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  for (const q of [inbound, outbound]) {
    await sqs.receiveAll(q.queueUrl);
    await sqs.receiveAll(q.dlqUrl);
  }
});

describe("pairing and the auth state in S3", () => {
  test("no auth state → QR code as a PNG in S3, health 503; paired → creds in S3, QR removed, health 200", async () => {
    const r = await start();
    const first = await whatsapp.latest();
    expect(first.auth.creds.registered).toBeFalsy();
    whatsapp.qr(first);
    const png = await eventually(() => objectBytes(`${PREFIX}${QR_OBJECT}`));
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]); // PNG signature
    expect(state(r)).toBe("pairing");
    expect(await health(r)).toBe(503);
    expect(await check(r)).toBe(0); // waiting for a person: a restart would not help

    // The phone scans: Baileys saves credentials, then asks for a restart (515), then opens.
    whatsapp.pair(first);
    const creds = await eventually(() => store().get(`${PREFIX}creds.json`));
    expect(JSON.parse(creds).me.id).toBe(FAKE_ME.id);
    whatsapp.close(first, "restart_required", "515: restart required");
    const second = await whatsapp.latest(2);
    whatsapp.open(second);
    await r.connections.until((c) => c.get("whatsapp")?.state === "ready");
    expect(await health(r)).toBe(200);
    await eventually(async () => (await store().get(`${PREFIX}${QR_OBJECT}`)) === undefined);
  });

  test("a restarted relay reuses the stored auth state: no QR code, no pairing", async () => {
    let r = await start();
    const first = await whatsapp.latest();
    whatsapp.pair(first);
    await first.auth.keys.set({
      "pre-key": { "1": { public: new Uint8Array([1, 2, 3]), private: new Uint8Array([4, 5, 6]) } },
    });
    await eventually(() => store().get(`${PREFIX}creds.json`));
    await r.stop();

    whatsapp = new FakeWhatsApp();
    r = await start();
    const again = await whatsapp.latest();
    expect(again.auth.creds.me?.id).toBe(FAKE_ME.id);
    expect(state(r)).toBe("connecting");
    const keys = await again.auth.keys.get("pre-key", ["1", "2"]);
    expect(Buffer.from(keys["1"]?.private ?? []).toString("hex")).toBe("040506");
    expect(keys["2"]).toBeNull();
  });

  test("unlinked from the phone → no pairing by itself, also after a restart; deleting the auth state re-pairs", async () => {
    let r = await start();
    const first = await whatsapp.latest();
    whatsapp.pair(first);
    await eventually(() => store().get(`${PREFIX}creds.json`));
    whatsapp.open(first);
    await r.connections.until((c) => c.get("whatsapp")?.state === "ready");
    whatsapp.close(first, "logged_out", "401: logged out");
    expect(state(r)).toBe("unlinked");
    expect(r.connections.get("whatsapp")?.detail).toContain(`aws s3 rm --recursive s3://${BUCKET}/${PREFIX}`);
    await Bun.sleep(300); // several checks of the auth state
    expect(whatsapp.connections.items).toHaveLength(1); // no new connection, no QR code
    expect(await objectBytes(`${PREFIX}${QR_OBJECT}`)).toBeUndefined();
    expect(await store().get(`${PREFIX}creds.json`)).toBeDefined(); // void, kept as the record
    expect(await health(r)).toBe(503);
    expect(await check(r)).toBe(0); // no restart loop either

    // A restart finds the void credentials, WhatsApp refuses them again, and the relay stays unlinked.
    await r.stop();
    whatsapp = new FakeWhatsApp();
    r = await start();
    const again = await whatsapp.latest();
    expect(again.auth.creds.me?.id).toBe(FAKE_ME.id);
    whatsapp.close(again, "logged_out", "401: logged out");
    expect(state(r)).toBe("unlinked");
    await Bun.sleep(200);
    expect(whatsapp.connections.items).toHaveLength(1);

    // The explicit action: the operator deletes the auth state; the relay pairs from an empty one.
    await store().delete(`${PREFIX}creds.json`); // only the credentials: the rest is cleared too
    const fresh = await whatsapp.latest(2);
    expect(fresh.auth.creds.me).toBeUndefined();
    expect(state(r)).toBe("pairing");
    whatsapp.qr(fresh);
    await eventually(() => objectBytes(`${PREFIX}${QR_OBJECT}`));
  });

  test("the QR code stays out of the log unless WHATSAPP_LOG_QR asks for it", async () => {
    const printed: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.join(" "));
    try {
      let r = await start();
      whatsapp.qr(await whatsapp.latest());
      await eventually(() => objectBytes(`${PREFIX}${QR_OBJECT}`));
      expect(printed.filter((line) => line.includes("▄") || line.includes("█"))).toEqual([]);
      await r.stop();
      await store().deletePrefix("");
      whatsapp = new FakeWhatsApp();
      r = await start(true);
      whatsapp.qr(await whatsapp.latest());
      await eventually(() => printed.some((line) => line.includes("▄")));
    } finally {
      console.log = original;
    }
  });

  test("a lost connection is reconnected; health follows the state", async () => {
    const r = await startOpen();
    expect(await health(r)).toBe(200);
    whatsapp.close(await whatsapp.latest(), "lost", "408: connection lost");
    expect(state(r)).toBe("reconnecting");
    expect(await health(r)).toBe(503);
    const second = await whatsapp.latest(2);
    whatsapp.open(second);
    await r.connections.until((c) => c.get("whatsapp")?.state === "ready");
    expect(await health(r)).toBe(200);
  });

  test("replaced by another session → failed, not fought in-process; the health check asks for a restart", async () => {
    const r = await startOpen();
    expect(await check(r)).toBe(0);
    whatsapp.close(await whatsapp.latest(), "replaced", "440: replaced");
    expect(state(r)).toBe("failed");
    await Bun.sleep(100);
    expect(whatsapp.connections.items).toHaveLength(1);
    expect(await health(r)).toBe(503);
    expect(await check(r)).toBe(1);
  });
});

describe("messages travel: WhatsApp → queue → worker → outbound queue → WhatsApp", () => {
  test("a direct message is answered in the same chat, with typing first", async () => {
    const r = await startOpen();
    const connection = await whatsapp.latest();
    const message = waText({ text: "hello agent", chatJid: ALICE });
    whatsapp.deliver(connection, message);
    const [envelope] = await eventually(async () => {
      const found = await sqs.peek(inbound.queueUrl);
      return found.length > 0 ? found.map((b) => JSON.parse(b)) : undefined;
    });
    expect(envelope).toMatchObject({
      channel: "whatsapp-personal",
      eventId: eventIdOf(ALICE, ALICE, message.key.id ?? ""),
      conversation: ALICE,
      user: { id: ALICE, name: "Grace" },
      text: "hello agent",
      reply: { chatJid: ALICE, messageId: message.key.id, group: false },
    });
    await work();
    expect(agentcore.invocations()[0]?.sessionId).toMatch(/^whatsapp-personal-/);
    await whatsapp.sent.waitFor((items) => items.some((s) => s.kind === "text"), 5_000);
    expect(texts()).toEqual([{ kind: "text", chatJid: ALICE, text: "echo: hello agent", connection: 1 }]);
    expect(whatsapp.sent.items[0]).toMatchObject({ kind: "composing", chatJid: ALICE });
    expect(state(r)).toBe("ready");
    await eventually(async () => (await sqs.depth(outbound.queueUrl)).inFlight === 0);
    expect(await sqs.depth(outbound.queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  test("a file the agent sends: stored in the media bucket by the worker, downloaded and sent by the relay after the text", async () => {
    await startOpen();
    const connection = await whatsapp.latest();
    const pdf = "%PDF-1.7 the report";
    agentcore.script(
      agentReply.json({
        text: "The report:",
        attachments: [
          {
            base64: Buffer.from(pdf).toString("base64"),
            mime: "application/pdf",
            name: "report.pdf",
            caption: "Q3",
          },
          { base64: Buffer.from("OggS").toString("base64"), mime: "audio/ogg", name: "note.ogg" },
        ],
      }),
    );
    whatsapp.deliver(connection, waText({ text: "the report please", chatJid: ALICE }));
    await eventually(async () => ((await sqs.peek(inbound.queueUrl)).length > 0 ? true : undefined));
    await work();
    const files = await whatsapp.sent.waitFor((items) => {
      const found = items.flatMap((s) => (s.kind === "file" ? [s] : []));
      return found.length === 2 ? found : undefined;
    }, 5_000);
    expect(texts().map((t) => t.text)).toEqual(["The report:"]);
    expect(files.map((f) => [f.chatJid, f.file.kind, f.file.name, f.file.mime, f.file.caption])).toEqual([
      [ALICE, "document", "report.pdf", "application/pdf", "Q3"],
      [ALICE, "voice", "note.ogg", "audio/ogg", undefined],
    ]);
    expect(new TextDecoder().decode(files[0]?.file.bytes)).toBe(pdf);
    // The text went first, in the chat's order.
    const kinds = whatsapp.sent.items.filter((s) => s.kind !== "composing").map((s) => s.kind);
    expect(kinds).toEqual(["text", "file", "file"]);
  });

  test("in a group: answered only when addressed, quoting the user's message", async () => {
    await startOpen();
    const connection = await whatsapp.latest();
    whatsapp.deliver(
      connection,
      waText({ chatJid: GROUP, participant: ALICE, text: "not for the bot" }),
      waText({ chatJid: GROUP, participant: ALICE, text: "and you?", quotedParticipant: FAKE_ME.id }),
      waText({
        chatJid: GROUP,
        participant: ALICE,
        text: "@4915550000001 summarize",
        mentions: ["4915550000001@s.whatsapp.net"],
        id: "3EB0GROUPMSG",
      }),
    );
    await eventually(async () => (await sqs.peek(inbound.queueUrl)).length === 1);
    await work();
    await whatsapp.sent.waitFor((items) => items.some((s) => s.kind === "text"), 5_000);
    expect(texts()).toEqual([
      {
        kind: "text",
        chatJid: GROUP,
        text: "echo: summarize",
        quote: { id: "3EB0GROUPMSG", participant: ALICE, text: "@4915550000001 summarize" },
        connection: 1,
      },
    ]);
    expect(agentcore.invocations()).toHaveLength(1);
  });

  test("strangers get nothing: never queued, never answered, not even refused", async () => {
    await startOpen();
    const connection = await whatsapp.latest();
    const mention = { text: "@4915550000001 hi", mentions: ["4915550000001@s.whatsapp.net"] };
    whatsapp.deliver(
      connection,
      waText({ text: "let me in", chatJid: STRANGER }),
      waText({ text: "/help", chatJid: STRANGER }),
      waText({ chatJid: GROUP, participant: STRANGER, ...mention }),
      waText({ text: "hello", chatJid: ALICE }),
    );
    // Only Alice's message leaves the relay.
    const queued = await eventually(async () => {
      const found = sqs.peek(inbound.queueUrl);
      return found.length > 0 ? found : undefined;
    });
    await Bun.sleep(200);
    expect(sqs.peek(inbound.queueUrl)).toHaveLength(1);
    expect(queued.join()).not.toContain(STRANGER);
    await work();
    await whatsapp.sent.waitFor((items) => items.some((s) => s.kind === "text"), 5_000);
    await Bun.sleep(200);
    expect(whatsapp.sent.items.filter((s) => s.chatJid !== ALICE)).toEqual([]);
    expect(texts().map((t) => t.text)).toEqual(["echo: hello"]);
    expect(agentcore.invocations()).toHaveLength(1);
  });

  test("should a stranger's message reach the worker anyway, it sends nothing back: no refusal, no typing", async () => {
    await startOpen();
    const envelope = {
      v: 1,
      channel: "whatsapp-personal",
      eventId: "3EB0SLIPPED:0123456789abcdef",
      conversation: STRANGER,
      user: { id: STRANGER },
      text: "hello?",
      attachments: [],
      reply: { chatJid: STRANGER, messageId: "3EB0SLIPPED", group: false },
      receivedAt: Date.now(),
    };
    await sqs.send(inbound.queueUrl, JSON.stringify(envelope), { groupId: "stranger" });
    await work();
    await Bun.sleep(300);
    expect(sqs.peek(outbound.queueUrl)).toEqual([]);
    expect(whatsapp.sent.items).toEqual([]);
    expect(agentcore.invocations()).toEqual([]);
    // Settled, not retried into the DLQ.
    expect(await sqs.depth(inbound.queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(sqs.peek(inbound.dlqUrl)).toEqual([]);
  });

  test("a failed send is retried from the queue and sent once", async () => {
    await startOpen();
    whatsapp.failures.push(new Error("socket hiccup"));
    await sqs.send(
      outbound.queueUrl,
      JSON.stringify({ v: 1, kind: "text", chatJid: ALICE, text: "retry me" }),
      {
        groupId: "g",
      },
    );
    await whatsapp.sent.waitFor((items) => items.some((s) => s.kind === "text"), 5_000);
    await Bun.sleep(200);
    expect(texts().map((t) => t.text)).toEqual(["retry me"]);
  });

  test("while the session is not open, replies wait in the queue; they are sent once it opens", async () => {
    const r = await start();
    await sqs.send(outbound.queueUrl, JSON.stringify({ v: 1, kind: "text", chatJid: ALICE, text: "later" }), {
      groupId: "g",
    });
    await Bun.sleep(300);
    expect(whatsapp.sent.items).toEqual([]);
    expect((await sqs.depth(outbound.queueUrl)).visible).toBe(1);
    whatsapp.open(await whatsapp.latest());
    await r.connections.until((c) => c.get("whatsapp")?.state === "ready");
    await whatsapp.sent.waitFor((items) => items.length === 1, 5_000);
    expect(texts().map((t) => t.text)).toEqual(["later"]);
  });

  test("one chat's replies keep their order; a malformed outbound message is kept for the DLQ, not sent", async () => {
    await startOpen();
    await sqs.send(outbound.queueUrl, "{not json", { groupId: "bad" });
    for (const text of ["one", "two", "three"]) {
      await sqs.send(outbound.queueUrl, JSON.stringify({ v: 1, kind: "text", chatJid: ALICE, text }), {
        groupId: "alice",
      });
    }
    await whatsapp.sent.waitFor((items) => items.length === 3, 5_000);
    expect(texts().map((t) => t.text)).toEqual(["one", "two", "three"]);
    // Received, refused and released three times (maxReceiveCount), then redriven to the DLQ.
    await eventually(async () => (await sqs.depth(outbound.dlqUrl)).visible === 1, 5_000);
    expect(sqs.peek(outbound.dlqUrl)).toEqual(["{not json"]);
  });

  test("a typing indicator is shown at once", async () => {
    await startOpen();
    const sent = Date.now();
    await sqs.send(outbound.queueUrl, JSON.stringify({ v: 1, kind: "typing", chatJid: ALICE }), {
      groupId: "t",
    });
    await whatsapp.sent.waitFor((items) => items.length === 1, 5_000);
    expect(whatsapp.sent.items[0]?.kind).toBe("composing");
    expect(Date.now() - sent).toBeLessThan(5_000);
  });

  test("an inbound message is queued even when nobody works the queue yet", async () => {
    await startOpen();
    whatsapp.deliver(await whatsapp.latest(), waText({ text: "durable" }));
    const envelopes = await eventually(async () => {
      const found = await envelopesOn(sqs, inbound.queueUrl);
      return found.length > 0 ? found : undefined;
    });
    expect(envelopes.map((e) => e.text)).toEqual(["durable"]);
  });

  test("stop(): the poll in progress ends, then the socket is closed", async () => {
    const r = await startOpen();
    const started = Date.now();
    await r.stop();
    relay = undefined;
    expect(Date.now() - started).toBeLessThan(4_000); // by itself, not forced at shutdownTimeoutMs (5 s)
    expect((await whatsapp.latest()).ended).toBe(true);
    expect(state(r)).toBe("stopped");
  });
});
