/**
 * One operation of an AWS JSON-protocol service (SQS, Secrets Manager, DynamoDB), signed with the SDK's
 * own SigV4 signer and the function's environment credentials, retried as the SDK retries it
 * (./retry.ts), each attempt cut off after {@link ATTEMPT_TIMEOUT_MS}. What the ingress needs of AWS,
 * without loading the SDK's clients: a cold start pays for neither their code nor their first request.
 * The worker keeps the SDK clients. The relay enqueues through this client too, with the SDK's
 * credential chain (its ECS task role) given to {@link useCredentials}.
 */
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import {
  awsRegion,
  type Credentials,
  configuredEndpoint,
  environmentCredentials,
  regionalEndpoint,
} from "./environment.ts";
import { AwsServiceError, type ResponseMetadata, requestIdOf, serviceError } from "./errors.ts";
import { errorKind, RetryPolicy } from "./retry.ts";
import { post } from "./transport.ts";

/** An AWS service that speaks the JSON protocol (`X-Amz-Target`, `application/x-amz-json-1.x`). */
export interface JsonService {
  /** The SDK's service id as `AWS_ENDPOINT_URL_<id>` spells it: `SQS`, `SECRETS_MANAGER`, `DYNAMODB`. */
  readonly id: string;
  /** The SigV4 signing name, which is also the endpoint's host prefix: `sqs`, `secretsmanager`. */
  readonly signingName: string;
  /** The target prefix: `AmazonSQS` in `X-Amz-Target: AmazonSQS.SendMessage`. */
  readonly target: string;
  readonly jsonVersion: "1.0" | "1.1";
  /** The service also answers the legacy query error codes (`x-amzn-query-error`); SQS does. */
  readonly queryCompatible?: boolean;
}

/**
 * How long one attempt may take, connection included. The SDK sets none (its socket timeouts are
 * minutes); these calls answer in milliseconds, and three attempts still fit the ingress's 10 s.
 */
export const ATTEMPT_TIMEOUT_MS = 2_000;

const USER_AGENT = "agentcore-relay";

/** Corrects our clock when AWS says it is off by 5 minutes or more (the SDK's systemClockOffset). */
let clockOffsetMs = 0;
/** Where calls get their credentials: the function's environment (Lambda) unless {@link useCredentials} says otherwise. */
let credentialSource: () => Promise<Credentials> = async () => environmentCredentials();

/**
 * Has every later call sign with the credentials `source` resolves, for a process whose credentials are
 * not in its environment: the relay gives an SDK client's default chain (`config.credentials`), which reads
 * its ECS task role's and refreshes them before they expire.
 */
export function useCredentials(source: () => Promise<Credentials>): void {
  credentialSource = source;
}

/** What each service and region keeps between calls, as an SDK client keeps it: its signer, its retries. */
const clients = new Map<string, { signer: SignatureV4; policy: RetryPolicy }>();

function clientFor(service: JsonService, region: string) {
  const key = `${service.signingName}/${region}`;
  let client = clients.get(key);
  if (!client) {
    const signer = new SignatureV4({
      service: service.signingName,
      region,
      credentials: () => credentialSource(),
      sha256: Hash.bind(null, "sha256"),
    });
    client = { signer, policy: new RetryPolicy() };
    clients.set(key, client);
  }
  return client;
}

function correctClock(response: { headers: Record<string, unknown> }): boolean {
  const date = Date.parse(String(response.headers.date ?? ""));
  if (Number.isNaN(date) || Math.abs(Date.now() + clockOffsetMs - date) < 300_000) return false;
  clockOffsetMs = date - Date.now();
  return true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `operation` with `input` (the SDK's input shape) and resolves with its output (the SDK's output
 * shape, as JSON). The endpoint: `endpoint` when given (SQS: the queue URL's origin, which the SDK's SQS
 * client prefers to any other), else `AWS_ENDPOINT_URL_<id>` or `AWS_ENDPOINT_URL`, else the regional one.
 * @throws AwsServiceError for an error answer, Node's network error or a TimeoutError after the retries.
 * @example await callJson(SQS, "SendMessage", { QueueUrl, MessageBody })
 */
export async function callJson<T>(
  service: JsonService,
  operation: string,
  input: unknown,
  endpoint?: URL,
): Promise<T> {
  const region = awsRegion();
  const url = endpoint ?? configuredEndpoint(service.id) ?? regionalEndpoint(service.signingName, region);
  const path = url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`;
  const body = JSON.stringify(input);
  const { signer, policy } = clientFor(service, region);
  let retries = 0;
  let totalRetryDelay = 0;
  for (;;) {
    let error: unknown;
    try {
      const signed = await signer.sign(
        {
          method: "POST",
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port ? Number(url.port) : undefined,
          path,
          query: {},
          headers: {
            host: url.host,
            "content-type": `application/x-amz-json-${service.jsonVersion}`,
            "content-length": String(Buffer.byteLength(body)),
            "x-amz-target": `${service.target}.${operation}`,
            ...(service.queryCompatible ? { "x-amzn-query-mode": "true" } : {}),
            // Not signed (SigV4 leaves user-agent out); names the caller in CloudTrail.
            "user-agent": USER_AGENT,
          },
          body,
        },
        { signingDate: new Date(Date.now() + clockOffsetMs) },
      );
      const response = await post(new URL(path, url), signed.headers, body, ATTEMPT_TIMEOUT_MS);
      if (response.status >= 200 && response.status < 300) {
        policy.recordSuccess(retries > 0);
        return (response.body ? JSON.parse(response.body) : {}) as T;
      }
      const metadata: ResponseMetadata = {
        httpStatusCode: response.status,
        requestId: requestIdOf(response),
        attempts: retries + 1,
        totalRetryDelay,
      };
      if (correctClock(response)) metadata.clockSkewCorrected = true;
      error = serviceError(response, metadata);
    } catch (thrown) {
      error = thrown;
    }
    const retryAfter = error instanceof AwsServiceError ? error.retryAfterMs : undefined;
    const delay = policy.delayMs(errorKind(error), retries, retryAfter);
    if (delay === undefined) throw error;
    retries += 1;
    totalRetryDelay += delay;
    await sleep(delay);
  }
}
