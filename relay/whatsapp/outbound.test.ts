import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Message, SQSClient } from "@aws-sdk/client-sqs";
import type { Outbound } from "../../handlers/whatsapp-personal/outbound.ts";
import { setEnv } from "../../test/harness/env.ts";
import { pollOutbound, retryDelaySeconds } from "./outbound.ts";

const ALICE = "4915551234567@s.whatsapp.net";
const BOB = "4915557654321@s.whatsapp.net";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "error" });
});
afterAll(() => restore());

/** One SQS receive's worth of messages, then nothing; records deletes and visibility changes. */
function fakeSqs(batch: Message[]) {
  const calls: { op: string; receipt?: string; visibility?: number }[] = [];
  let served = false;
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const op = command.constructor.name.replace(/Command$/, "");
      if (op === "ReceiveMessage") {
        const messages = served ? [] : batch;
        served = true;
        return { Messages: messages };
      }
      calls.push({
        op,
        receipt: command.input.ReceiptHandle as string,
        ...(op === "ChangeMessageVisibility"
          ? { visibility: command.input.VisibilityTimeout as number }
          : {}),
      });
      return {};
    },
  };
  return { client: client as unknown as SQSClient, calls };
}

const message = (id: string, group: string, body: unknown, sentAgoMs = 0, receiveCount = 1): Message => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: typeof body === "string" ? body : JSON.stringify(body),
  Attributes: {
    MessageGroupId: group,
    ApproximateReceiveCount: String(receiveCount),
    SentTimestamp: String(Date.now() - sentAgoMs),
  },
});

/** Runs the poller over one batch and stops it. */
async function run(batch: Message[], send: (m: Outbound) => Promise<void>, ready = true) {
  const { client, calls } = fakeSqs(batch);
  const stop = new AbortController();
  const done = pollOutbound(
    {
      sqs: client,
      queueUrl: "https://sqs.example/q.fifo",
      send,
      ready: () => ready,
      readyChange: () => new Promise(() => {}),
      waitSeconds: 0,
    },
    stop.signal,
  );
  await Bun.sleep(30);
  stop.abort();
  await done;
  return calls;
}

describe("pollOutbound", () => {
  test("sends in order per chat; after a failure the rest of that chat goes back, other chats go on", async () => {
    const sent: string[] = [];
    const calls = await run(
      [
        message("a1", "alice", { v: 1, kind: "text", chatJid: ALICE, text: "a1" }),
        message("b1", "bob", { v: 1, kind: "text", chatJid: BOB, text: "b1" }),
        message("a2", "alice", { v: 1, kind: "text", chatJid: ALICE, text: "a2" }),
        message("a3", "alice", { v: 1, kind: "text", chatJid: ALICE, text: "a3" }),
        message("b2", "bob", { v: 1, kind: "text", chatJid: BOB, text: "b2" }),
      ],
      async (m) => {
        if (m.kind === "text" && m.text === "a2") throw new Error("socket hiccup");
        if (m.kind === "text") sent.push(m.text);
      },
    );
    expect(sent).toEqual(["a1", "b1", "b2"]);
    expect(
      calls
        .filter((c) => c.op === "DeleteMessage")
        .map((c) => c.receipt)
        .sort(),
    ).toEqual(["rh-a1", "rh-b1", "rh-b2"]);
    expect(calls.filter((c) => c.op === "ChangeMessageVisibility")).toEqual([
      { op: "ChangeMessageVisibility", receipt: "rh-a2", visibility: 5 },
      { op: "ChangeMessageVisibility", receipt: "rh-a3", visibility: 5 },
    ]);
  });

  test("a stale typing indicator is dropped without being shown; a fresh one is shown", async () => {
    const shown: string[] = [];
    const calls = await run(
      [
        message("t1", "alice", { v: 1, kind: "typing", chatJid: ALICE }, 60_000),
        message("t2", "bob", { v: 1, kind: "typing", chatJid: BOB }, 1_000),
      ],
      async (m) => void shown.push(m.chatJid),
    );
    expect(shown).toEqual([BOB]);
    expect(calls.map((c) => `${c.op} ${c.receipt}`).sort()).toEqual([
      "DeleteMessage rh-t1",
      "DeleteMessage rh-t2",
    ]);
  });

  test("a malformed message is kept (for the DLQ), never sent or deleted", async () => {
    let sends = 0;
    const calls = await run([message("x", "x", "{not json", 0, 2)], async () => void sends++);
    expect(sends).toBe(0);
    expect(calls).toEqual([{ op: "ChangeMessageVisibility", receipt: "rh-x", visibility: 10 }]);
  });

  test("while the session is not open, nothing is received", async () => {
    const calls = await run(
      [message("a", "a", { v: 1, kind: "text", chatJid: ALICE, text: "x" })],
      async () => {},
      false,
    );
    expect(calls).toEqual([]);
  });

  test("back-off: 5 s, doubling, at most 5 minutes", () => {
    expect([1, 2, 3, 4, 10].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 300]);
  });
});
