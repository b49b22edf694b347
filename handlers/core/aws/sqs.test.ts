/**
 * The lean SQS client against fauxqs (a real SQS protocol server), directly and through a loopback
 * proxy that answers scripted failures: SQS's own errors read as the SDK reads them, throttling, 5xx,
 * dropped connections and slow answers retried as the SDK retries them, a body SQS got wrong refused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { request } from "node:http";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { awsTestEnv } from "../../../emulators/aws-env.ts";
import { type LoopbackServer, listen, readBody, sleep } from "../../../emulators/http.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../../../emulators/sqs.ts";
import { setEnv } from "../../../test/harness/env.ts";
import { describeError } from "../log.ts";
import { ATTEMPT_TIMEOUT_MS } from "./call.ts";
import { sendMessage, sendMessageBatch } from "./sqs.ts";

/** What the proxy does with the next request instead of passing it on. */
type Fault =
  | { status: number; type: string; queryError?: string }
  | { drop: true }
  | { delayMs: number }
  | { md5: string };

let sqs: LocalSqs;
let pair: FifoPair;
let proxy: LoopbackServer;
const faults: Fault[] = [];
let requests = 0;
let restore: () => void;

/** Passes a request on to fauxqs and gives back its answer, with what `change` makes of the body. */
async function forward(path: string, headers: Record<string, unknown>, body: Buffer) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const target = new URL(path, sqs.endpoint);
      const out = request(target, { method: "POST", headers: { ...headers, host: target.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      });
      out.on("error", reject);
      out.end(body);
    },
  );
}

beforeAll(async () => {
  sqs = await startSqs();
  pair = await sqs.createFifoPair("lean-sqs");
  proxy = await listen(async (req, res) => {
    requests += 1;
    const body = await readBody(req);
    const fault = faults.shift();
    if (fault && "drop" in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && "delayMs" in fault) await sleep(fault.delayMs);
    if (fault && "status" in fault) {
      res.writeHead(fault.status, {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-requestid": `req-${requests}`,
        ...(fault.queryError ? { "x-amzn-query-error": fault.queryError } : {}),
      });
      res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${fault.type}`, message: "scripted" }));
      return;
    }
    const answer = await forward(req.url ?? "/", req.headers, body);
    const text =
      fault && "md5" in fault
        ? answer.body.replace(/"MD5OfMessageBody":"\w+"/, `"MD5OfMessageBody":"${fault.md5}"`)
        : answer.body;
    res.writeHead(answer.status, answer.headers as Record<string, string>);
    res.end(text);
  });
  restore = setEnv({ ...awsTestEnv({ sqs: proxy }), AWS_MAX_ATTEMPTS: undefined });
});
afterAll(async () => {
  restore();
  await proxy.close();
  await sqs.close();
});
beforeEach(() => {
  faults.length = 0;
  requests = 0;
});

let sequence = 0;
const viaProxy = (queueUrl: string) => queueUrl.replace(sqs.endpoint, proxy.url);
/** A message for the queue, sent through the proxy (the lean client, like the SDK's, goes to the queue URL's origin). */
const message = (text = "hello") => ({
  QueueUrl: viaProxy(pair.queueUrl),
  MessageBody: JSON.stringify({ text }),
  MessageGroupId: "g",
  MessageDeduplicationId: `d-${++sequence}`,
});

describe("against fauxqs", () => {
  test("SendMessage and SendMessageBatch put the messages on the queue", async () => {
    await sendMessage(message("one"));
    const batch = [message("two"), message("three")];
    const result = await sendMessageBatch({
      QueueUrl: viaProxy(pair.queueUrl),
      Entries: batch.map((m, i) => ({ Id: String(i), ...m, QueueUrl: undefined })),
    });
    expect(result.Successful).toHaveLength(2);
    const bodies = (await sqs.receiveAll(pair.queueUrl)).map((m) => JSON.parse(m.Body ?? "").text);
    expect(bodies.sort()).toEqual(["one", "three", "two"]);
  });

  test("SQS's own error reads as the SDK's: same name, code, status and fault", async () => {
    const missing = { ...message(), QueueUrl: pair.queueUrl.replace("lean-sqs", "no-such-queue") };
    const unproxied = setEnv({ AWS_ENDPOINT_URL_SQS: sqs.endpoint });
    const lean = await sendMessage(missing).catch((e: unknown) => e);
    const sdk = await new SQSClient({ maxAttempts: 1 })
      .send(new SendMessageCommand(missing))
      .catch((e: unknown) => e);
    unproxied();
    const { awsRequestId: _lean, ...leanFields } = describeError(lean);
    const { awsRequestId: _sdk, ...sdkFields } = describeError(sdk);
    expect(leanFields).toEqual(sdkFields);
    expect(leanFields).toEqual({
      name: "QueueDoesNotExist",
      code: "AWS.SimpleQueueService.NonExistentQueue",
      status: 400,
      fault: "client",
    });
    expect(_lean).toBeString();
  });
});

describe("failures, as the SDK retries them (AWS_MAX_ATTEMPTS unset: 3 attempts)", () => {
  test("throttling and 5xx are retried, and the message is queued once", async () => {
    faults.push(
      { status: 400, type: "ThrottlingException", queryError: "ThrottlingException;Sender" },
      { status: 503, type: "ServiceUnavailable" },
    );
    const before = (await sqs.depth(pair.queueUrl)).visible;
    await sendMessage(message("after two failures"));
    expect(requests).toBe(3);
    expect((await sqs.depth(pair.queueUrl)).visible).toBe(before + 1);
  });

  test("three 500s: the last one is thrown, with its attempts", async () => {
    faults.push(...Array.from({ length: 3 }, () => ({ status: 500, type: "InternalError" })));
    const error = await sendMessage(message()).catch((e: unknown) => e);
    expect(requests).toBe(3);
    expect(error).toMatchObject({
      name: "InternalError",
      $fault: "server",
      $metadata: { httpStatusCode: 500, requestId: "req-3", attempts: 3 },
    });
  });

  test("a client error (access denied) is not retried", async () => {
    faults.push({ status: 400, type: "AccessDenied", queryError: "AccessDenied;Sender" });
    const error = await sendMessage(message()).catch((e: unknown) => e);
    expect(requests).toBe(1);
    expect(describeError(error)).toMatchObject({ name: "AccessDenied", code: "AccessDenied", status: 400 });
  });

  test("a dropped connection is retried; SQS unreachable fails with Node's own error code", async () => {
    faults.push({ drop: true });
    await sendMessage(message("after a reset"));
    expect(requests).toBe(2);
    const unreachable = { ...message(), QueueUrl: pair.queueUrl.replace(sqs.endpoint, "http://127.0.0.1:9") };
    const error = await sendMessage(unreachable).catch((e: unknown) => e);
    expect(describeError(error)).toEqual({ name: "Error", code: "ECONNREFUSED" });
  });

  test(`an answer slower than ${ATTEMPT_TIMEOUT_MS} ms is a TimeoutError, and retried`, async () => {
    faults.push({ delayMs: ATTEMPT_TIMEOUT_MS + 500 });
    await sendMessage(message("after a timeout"));
    expect(requests).toBe(2);
    const once = setEnv({ AWS_MAX_ATTEMPTS: "1" });
    try {
      faults.push({ delayMs: ATTEMPT_TIMEOUT_MS + 500 });
      expect(await sendMessage(message()).catch((e: unknown) => e)).toMatchObject({ name: "TimeoutError" });
    } finally {
      once();
    }
  }, 15_000);

  test("SQS's MD5 of the body must be ours (the SDK's check): a mismatch fails, not retried", async () => {
    faults.push({ md5: "00000000000000000000000000000000" });
    const error = await sendMessage(message()).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: "InvalidChecksumError" });
    expect(requests).toBe(1);
  });
});
