/**
 * Files users send on WhatsApp personal, end to end: the real relay with a fake WhatsApp socket (Baileys'
 * message shapes; its downloadMedia serves the bytes Baileys would decrypt) downloads each file before it
 * queues the message and stores it in the media bucket (fauxqs' S3) under relay/whatsapp-personal/; the
 * built worker bundle (modules/whatsapp-personal/dist/worker.mjs) hands the agent a presigned URL of it
 * and its S3 URI; limits and failed downloads leave the file as metadata with the reason, and the text
 * always goes on.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { SQSEvent } from "aws-lambda";
import { FAKE_AGENT_RUNTIME_ARN, type FakeAgentCore, startAgentCore } from "../emulators/agentcore.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { drain } from "../emulators/lambda.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../emulators/sqs.ts";
import { type Relay, startRelay } from "../relay/start.ts";
import { envelopesOn, eventually } from "../relay/testing.ts";
import { FakeWhatsApp, waMedia, waText } from "../relay/whatsapp/testing.ts";
import { loadBundle } from "./harness/bundles.ts";
import { setEnv } from "./harness/env.ts";

type WorkerHandler = (event: SQSEvent) => Promise<unknown>;

const STATE = "wp-media-state";
const MEDIA = "wp-media";
const ALICE = "4915551234567@s.whatsapp.net";
const MAX_BYTES = 1024;

let sqs: LocalSqs;
let agentcore: FakeAgentCore;
let inbound: FifoPair;
let outbound: FifoPair;
let restoreEnv: () => void;
let worker: WorkerHandler;
let whatsapp: FakeWhatsApp;
let relay: Relay | undefined;

async function startOpen(): Promise<Relay> {
  relay = await startRelay(
    {
      port: 0,
      shutdownTimeoutMs: 5_000,
      stateBucket: STATE,
      whatsapp: {
        queueUrl: inbound.queueUrl,
        outboundQueueUrl: outbound.queueUrl,
        bucket: STATE,
        prefix: "whatsapp-personal/",
        allowedUsers: [ALICE],
        logQr: false,
        media: { bucket: MEDIA, maxBytes: MAX_BYTES, maxCount: 10 },
      },
    },
    {
      whatsapp: {
        connect: whatsapp.connect,
        outboundWaitSeconds: 0,
        outboundRetryDelay: () => 0,
        mediaRetryDelaysMs: [0, 0],
      },
      enqueue: { firstDelayMs: 50, budgetMs: 5_000 },
    },
  );
  const connection = await whatsapp.latest();
  whatsapp.open(connection);
  await relay.connections.until((c) => c.get("whatsapp")?.state === "ready");
  return relay;
}

const deliver = async (...messages: Parameters<FakeWhatsApp["deliver"]>[1][]) =>
  whatsapp.deliver(await whatsapp.latest(), ...messages);
/** The messages the relay queued, once there are `count` (read and removed). */
const queued = (count: number) =>
  eventually(async () => {
    const depth = (await sqs.depth(inbound.queueUrl)).visible;
    return depth >= count ? true : undefined;
  });
const work = () => drain(sqs, inbound.queueUrl, inbound.queueArn, (event) => worker(event) as never);
/** The agent's last payload. */
const lastPayload = () =>
  (agentcore.invocations().at(-1)?.payload ?? {}) as {
    prompt?: string;
    attachments?: Record<string, unknown>[];
  };
const agentAttachments = () => lastPayload().attachments ?? [];

beforeAll(async () => {
  sqs = await startSqs();
  agentcore = await startAgentCore();
  sqs.server.createBucket(STATE);
  sqs.server.createBucket(MEDIA);
  inbound = await sqs.createFifoPair("wp-media");
  outbound = await sqs.createFifoPair("wp-media-outbound", { maxReceiveCount: 3 });
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
    MEDIA_BUCKET: MEDIA,
    MAX_ATTACHMENT_BYTES: String(MAX_BYTES),
  });
  worker = (await loadBundle<{ handler: WorkerHandler }>("modules/whatsapp-personal/dist/worker.mjs"))
    .handler;
});

afterAll(async () => {
  restoreEnv();
  await agentcore.close();
  await sqs.close();
});

beforeEach(() => {
  whatsapp = new FakeWhatsApp();
  agentcore.reset();
});

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  for (const q of [inbound, outbound]) {
    await sqs.receiveAll(q.queueUrl);
    await sqs.receiveAll(q.dlqUrl);
  }
});

describe("files users send on WhatsApp personal reach the agent", () => {
  test("downloaded by the relay, stored in the media bucket; the agent gets a presigned URL and the S3 URI", async () => {
    await startOpen();
    const photo = waMedia({
      kind: "image",
      mimetype: "image/jpeg",
      fileLength: 5,
      caption: "what is this?",
    });
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x42]);
    whatsapp.media.set(photo.key.id as string, bytes);
    await deliver(photo);
    await queued(1);
    const [envelope] = await envelopesOn(sqs, inbound.queueUrl);
    // The envelope carries where the relay stored the file, never its bytes.
    expect(envelope?.attachments).toEqual([
      {
        kind: "image",
        id: envelope?.attachments[0]?.id as string,
        mime: "image/jpeg",
        size: 5,
        s3: expect.stringMatching(
          /^s3:\/\/wp-media\/relay\/whatsapp-personal\/[0-9a-f]{32}\/[0-9a-f]{32}\/0-file$/,
        ),
      },
    ]);

    // Queued again for the worker (envelopesOn took it off the queue).
    await sqs.send(inbound.queueUrl, JSON.stringify(envelope), { groupId: ALICE, dedupId: "m-1" });
    await work();
    const [file] = agentAttachments();
    expect(file).toMatchObject({
      kind: "image",
      mime: "image/jpeg",
      size: 5,
      s3: envelope?.attachments[0]?.s3,
    });
    const got = await fetch(String(file?.url));
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    expect(lastPayload().prompt).toBe("what is this?");
    expect(whatsapp.downloads).toEqual([photo.key.id as string]);

    // A URI the worker does not hand out (another bucket) is dropped: the file is not available.
    const foreign = {
      ...envelope,
      eventId: "m-2",
      attachments: [{ ...envelope?.attachments[0], s3: "s3://elsewhere/relay/whatsapp-personal/x" }],
    };
    await sqs.send(inbound.queueUrl, JSON.stringify(foreign), { groupId: ALICE, dedupId: "m-2" });
    await work();
    expect(agentAttachments()).toEqual([
      { kind: "image", id: photo.key.id as string, mime: "image/jpeg", size: 5, skipped: "not available" },
    ]);
  });

  test("too large (as stated) is never downloaded; a download that keeps failing is skipped; the messages are queued", async () => {
    await startOpen();
    const big = waMedia({
      kind: "document",
      mimetype: "application/pdf",
      fileLength: MAX_BYTES + 1,
      fileName: "big.pdf",
    });
    const broken = waMedia({ kind: "audio", mimetype: "audio/ogg; codecs=opus", fileLength: 10, ptt: true });
    whatsapp.mediaFailures.push(new Error("403"), new Error("403"), new Error("403"));
    await deliver(big);
    await queued(1);
    await deliver(broken, waText({ text: "and this one?" }));
    await queued(3);
    const envelopes = await envelopesOn(sqs, inbound.queueUrl);
    expect(envelopes.map((e) => [e.text, e.attachments.map((a) => [a.kind, a.skipped])])).toEqual([
      ["", [["document", "too large"]]],
      ["", [["voice", "download failed"]]],
      ["and this one?", []],
    ]);
    const brokenId = broken.key.id as string;
    expect(whatsapp.downloads).toEqual([brokenId, brokenId, brokenId]);
  });

  test("a download that fails once is tried again; the chat's next message waits its turn", async () => {
    await startOpen();
    const voice = waMedia({ kind: "audio", mimetype: "audio/ogg; codecs=opus", fileLength: 3, ptt: true });
    whatsapp.media.set(voice.key.id as string, new Uint8Array([1, 2, 3]));
    whatsapp.mediaFailures.push(new Error("socket hang up"));
    await deliver(voice, waText({ text: "did you hear it?" }));
    await queued(2);
    const envelopes = await envelopesOn(sqs, inbound.queueUrl);
    expect(envelopes.map((e) => e.text)).toEqual(["", "did you hear it?"]);
    expect(envelopes[0]?.attachments[0]).toMatchObject({
      kind: "voice",
      size: 3,
      s3: expect.stringMatching(/^s3:\/\/wp-media\//),
    });
  });
});
