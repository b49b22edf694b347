/**
 * The lean client's requests next to the SDK's for the same call, on a loopback server that checks
 * each request's SigV4 signature the way AWS does (recomputed with the SDK's own signer from the signed
 * headers and the body received): both clients' requests pass, a changed body does not, and the lean
 * request carries what the SDK's carries but the SDK's telemetry headers.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { IncomingHttpHeaders } from "node:http";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import { type LoopbackServer, listen, readBody } from "../../../emulators/http.ts";
import { setEnv } from "../../../test/harness/env.ts";
import { callJson } from "./call.ts";
import { getSecretValue } from "./secrets-manager.ts";
import { sendMessage } from "./sqs.ts";

const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The signature check's verdict: undefined when it holds, else why not. */
  problem: string | undefined;
}

/** Checks a request's SigV4 signature: recomputes it over the headers it names and the body as received. */
async function sigv4Problem(headers: IncomingHttpHeaders, body: string): Promise<string | undefined> {
  const authorization = String(headers.authorization ?? "");
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) return "no SigV4 authorization header";
  const [, accessKeyId, , region, service, signedHeaders, signature] = match as unknown as string[];
  if (accessKeyId !== CREDENTIALS.accessKeyId) return "unknown access key";
  const signed: Record<string, string> = {};
  for (const name of (signedHeaders as string).split(";")) {
    // The payload hash is recomputed from the body, never taken from the request.
    if (name !== "x-amz-content-sha256") signed[name] = String(headers[name] ?? "");
  }
  const date = String(headers["x-amz-date"]);
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({
    service: service as string,
    region: region as string,
    credentials: { ...CREDENTIALS, sessionToken: String(headers["x-amz-security-token"] ?? "") || undefined },
    sha256: Hash.bind(null, "sha256"),
  });
  const resigned = await signer.sign(
    { method: "POST", protocol: "http:", hostname: "127.0.0.1", path: "/", query: {}, headers: signed, body },
    { signingDate },
  );
  return resigned.headers.authorization?.endsWith(`Signature=${signature}`)
    ? undefined
    : "signature mismatch";
}

let server: LoopbackServer;
const received: Received[] = [];
let restore: () => void;
/** When set, what the server does to the next request's body before checking it. */
let tamper: ((body: string) => string) | undefined;

beforeAll(async () => {
  server = await listen(async (req, res) => {
    const body = (await readBody(req)).toString("utf8");
    const checked = tamper ? tamper(body) : body;
    tamper = undefined;
    const problem = await sigv4Problem(req.headers, checked);
    received.push({ headers: req.headers, body, problem });
    if (problem) {
      res.writeHead(403, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "req-403" });
      res.end(
        JSON.stringify({ __type: "com.amazon.coral.service#InvalidSignatureException", message: problem }),
      );
      return;
    }
    const sendMessageOutput = { MessageId: "m-1", MD5OfMessageBody: "8b1a9953c4611296a827abf8c47804d7" };
    res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
    res.end(
      JSON.stringify(
        String(req.headers["x-amz-target"]).endsWith(".SendMessage")
          ? sendMessageOutput
          : { SecretString: "{}" },
      ),
    );
  });
  restore = setEnv({
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: "session-token-of-the-function",
    AWS_ENDPOINT_URL: undefined,
    AWS_ENDPOINT_URL_SQS: server.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: server.url,
    AWS_MAX_ATTEMPTS: "1",
  });
});
afterAll(async () => {
  restore();
  await server.close();
});

/** Headers the SDK adds for its own telemetry (retry counters, invocation id, user agent). */
const SDK_TELEMETRY = ["amz-sdk-invocation-id", "amz-sdk-request", "x-amz-user-agent"];
const signedHeadersOf = (r: Received) =>
  /SignedHeaders=([^,]+)/.exec(String(r.headers.authorization))?.[1]?.split(";") ?? [];

test("SendMessage: signed as the SDK signs it, the same target, protocol and body", async () => {
  received.length = 0;
  const input = {
    QueueUrl: `${server.url}/123456789012/relay.fifo`,
    MessageBody: "Hello",
    MessageGroupId: "telegram:42",
    MessageDeduplicationId: "telegram:1001",
  };
  await new SQSClient({}).send(new SendMessageCommand(input));
  expect(await sendMessage(input)).toMatchObject({ MessageId: "m-1" });
  const [sdk, lean] = received as [Received, Received];
  expect([sdk.problem, lean.problem]).toEqual([undefined, undefined]);
  for (const name of ["content-type", "x-amz-target", "x-amzn-query-mode", "x-amz-security-token"]) {
    expect(lean.headers[name]).toBe(sdk.headers[name] as string);
  }
  expect(JSON.parse(lean.body)).toEqual(JSON.parse(sdk.body));
  expect(signedHeadersOf(lean)).toEqual(signedHeadersOf(sdk).filter((h) => !SDK_TELEMETRY.includes(h)));
  expect(String(lean.headers.authorization)).toContain("/eu-west-1/sqs/aws4_request");
});

test("GetSecretValue: signed as the SDK signs it, the same target, protocol and body", async () => {
  received.length = 0;
  await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: "relay/telegram" }));
  expect(await getSecretValue({ SecretId: "relay/telegram" })).toEqual({ SecretString: "{}" });
  const [sdk, lean] = received as [Received, Received];
  expect([sdk.problem, lean.problem]).toEqual([undefined, undefined]);
  for (const name of ["content-type", "x-amz-target", "x-amz-security-token"]) {
    expect(lean.headers[name]).toBe(sdk.headers[name] as string);
  }
  expect(JSON.parse(lean.body)).toEqual(JSON.parse(sdk.body));
  expect(signedHeadersOf(lean)).toEqual(signedHeadersOf(sdk).filter((h) => !SDK_TELEMETRY.includes(h)));
  expect(String(lean.headers.authorization)).toContain("/eu-west-1/secretsmanager/aws4_request");
});

test("the check is real: a body changed on the way fails it, and the call fails with AWS's error", async () => {
  received.length = 0;
  tamper = (body) => body.replace("relay/telegram", "relay/slack");
  const error = await getSecretValue({ SecretId: "relay/telegram" }).catch((e: unknown) => e);
  expect(received[0]?.problem).toBe("signature mismatch");
  expect(error).toMatchObject({
    name: "InvalidSignatureException",
    $fault: "client",
    $metadata: { httpStatusCode: 403, requestId: "req-403", attempts: 1 },
  });
});

test("without credentials in the environment nothing is sent: CredentialsProviderError, as the SDK names it", async () => {
  received.length = 0;
  const unset = setEnv({ AWS_ACCESS_KEY_ID: undefined });
  try {
    const error = await callJson(
      { id: "SECRETS_MANAGER", signingName: "secretsmanager", target: "secretsmanager", jsonVersion: "1.1" },
      "GetSecretValue",
      { SecretId: "x" },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "CredentialsProviderError" });
    expect(received).toHaveLength(0);
  } finally {
    unset();
  }
});
