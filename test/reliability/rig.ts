/**
 * One channel's test bed: fauxqs behind a fault proxy (SQS outages, SendMessage counting, the worker's
 * backoff compressed), the fake Secrets Manager, AgentCore and platform, the handlers' environment,
 * and the BUILT ingress bundle loaded in this process as Lambda would run it.
 */
import { SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyResult } from "aws-lambda";
import { FAKE_AGENT_RUNTIME_ARN, type FakeAgentCore, startAgentCore } from "../../emulators/agentcore.ts";
import { httpApiEvent } from "../../emulators/api-gateway.ts";
import { awsTestEnv, type EnvVars } from "../../emulators/aws-env.ts";
import { type IngressHandler, lambdaContext } from "../../emulators/lambda.ts";
import { type FakeSecretsManager, startSecretsManager } from "../../emulators/secrets-manager.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../../emulators/sqs.ts";
import { loadBundle } from "../harness/bundles.ts";
import { setEnv } from "../harness/env.ts";
import type { ChannelProfile, Delivery, SimPlatform } from "./channels/profile.ts";
import { NodeFunction } from "./lambda-node.ts";
import type { LogCapture } from "./logs.ts";
import { awsOperation, type FaultProxy, startProxy } from "./proxy.ts";

/**
 * The queue's MaximumMessageSize as deployed: the modules leave it unset, so the AWS provider's
 * default (256 KiB) applies; fauxqs would otherwise take 1 MiB.
 */
export const DEPLOYED_MAX_MESSAGE_BYTES = 262_144;

/** How the body reaches the handler: as sent, base64-encoded, or with the base64 flag wrong. */
export type BodyEncoding = "plain" | "base64" | "flag set, body not encoded" | "flag unset, body encoded";

/** What one delivery did. */
export interface DeliveryOutcome {
  readonly status: number | undefined;
  readonly body: string;
  /** What the handler threw (a crash: API Gateway would answer 500). */
  readonly threw?: unknown;
  /** SendMessage / SendMessageBatch calls that reached the SQS proxy during the delivery. */
  readonly sends: number;
  /** Whether the proxy failed one of them (an injected outage). */
  readonly outage: boolean;
  /** SQS answers other than 200 to sends that were let through (SQS refusing the message). */
  readonly refused: number;
}

/** Options for {@link startRig}. */
export interface RigOptions {
  readonly allowedUsers: string;
  /** Where log lines go (the rig installs the console capture while it runs). */
  readonly logs: LogCapture;
  /** The queue's visibility timeout (default 30 s). */
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  /** Divides the worker's ChangeMessageVisibility backoff (simulated time; default 1 = real). */
  readonly backoffDivisor?: number;
  /** Extra environment for every handler (e.g. LEDGER_TABLE). */
  readonly env?: EnvVars;
  /**
   * Run the ingress bundle in a child `node` process (Lambda's runtime, and an environment of its own,
   * so several rigs can run at once) instead of loading it into this process.
   */
  readonly ingressInNode?: boolean;
  /** The source the ingress's log lines are filed under (default `ingress:<channel>`). */
  readonly logSource?: string;
}

/** A running test bed. */
export interface Rig {
  readonly profile: ChannelProfile;
  readonly platform: SimPlatform;
  readonly sqs: LocalSqs;
  readonly queue: FifoPair;
  readonly sqsProxy: FaultProxy;
  readonly secrets: FakeSecretsManager;
  readonly agentcore: FakeAgentCore;
  /** The handlers' environment (for child processes; this process has it set while the rig runs). */
  readonly env: EnvVars;
  /** When true, the SQS proxy fails every SendMessage (an outage at the ingress). */
  sqsDown: boolean;
  /** Every message body the ingress queued, with its group id, oldest first. */
  readonly queued: readonly { body: string; groupId: string }[];
  /** The source in-process log lines are filed under (default `ingress:<channel>`). */
  logSource: string;
  /** Calls the in-process ingress bundle with the event API Gateway would send for `delivery`. */
  deliver(delivery: Delivery, encoding?: BodyEncoding): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

const SEND_OPERATIONS = new Set(["SendMessage", "SendMessageBatch"]);

/** Scales VisibilityTimeout values in a ChangeMessageVisibility(Batch) request body. */
function compressBackoff(body: Buffer, divisor: number): Buffer {
  const json = JSON.parse(body.toString("utf8")) as {
    VisibilityTimeout?: number;
    Entries?: { VisibilityTimeout?: number }[];
  };
  const scale = (seconds: number) => Math.max(1, Math.round(seconds / divisor));
  if (typeof json.VisibilityTimeout === "number") json.VisibilityTimeout = scale(json.VisibilityTimeout);
  for (const entry of json.Entries ?? []) {
    if (typeof entry.VisibilityTimeout === "number") entry.VisibilityTimeout = scale(entry.VisibilityTimeout);
  }
  return Buffer.from(JSON.stringify(json));
}

/** Starts the fakes, sets the environment and loads the channel's ingress bundle. */
export async function startRig(profile: ChannelProfile, options: RigOptions): Promise<Rig> {
  const divisor = options.backoffDivisor ?? 1;
  const [sqs, secrets, agentcore, platform] = await Promise.all([
    startSqs(),
    startSecretsManager({ secrets: { [`relay/${profile.channel}`]: profile.secret } }),
    startAgentCore(),
    profile.startPlatform(),
  ]);
  const queue = await sqs.createFifoPair(`rel-${profile.channel}`, {
    maxReceiveCount: options.maxReceiveCount ?? 3,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
  });
  await sqs.client.send(
    new SetQueueAttributesCommand({
      QueueUrl: queue.queueUrl,
      Attributes: { MaximumMessageSize: String(DEPLOYED_MAX_MESSAGE_BYTES) },
    }),
  );

  let sends = 0;
  let outage = false;
  let refused = 0;
  const queued: { body: string; groupId: string }[] = [];
  const state = { sqsDown: false, logSource: options.logSource ?? `ingress:${profile.channel}` };
  const sqsProxy = await startProxy(sqs.endpoint, {
    decide(request) {
      if (!SEND_OPERATIONS.has(awsOperation(request))) return { kind: "pass" };
      sends += 1;
      if (!state.sqsDown) return { kind: "pass" };
      outage = true;
      return sends % 2 === 0
        ? { kind: "destroy" }
        : {
            kind: "respond",
            status: 500,
            headers: {
              "content-type": "application/x-amz-json-1.0",
              "x-amzn-query-error": "InternalError;Receiver",
            },
            body: JSON.stringify({ __type: "com.amazonaws.sqs#InternalError", message: "injected outage" }),
          };
    },
    rewrite(request) {
      const operation = awsOperation(request);
      return divisor !== 1 && operation.startsWith("ChangeMessageVisibility")
        ? compressBackoff(request.body, divisor)
        : request.body;
    },
    onPassed(request, response) {
      const operation = awsOperation(request);
      if (!SEND_OPERATIONS.has(operation)) return;
      if (response.status !== 200) {
        refused += 1;
        return;
      }
      const sent = JSON.parse(request.body.toString("utf8")) as {
        MessageBody?: string;
        MessageGroupId?: string;
        Entries?: { MessageBody?: string; MessageGroupId?: string }[];
      };
      for (const entry of operation === "SendMessage" ? [sent] : (sent.Entries ?? [])) {
        queued.push({ body: entry.MessageBody ?? "", groupId: entry.MessageGroupId ?? "" });
      }
    },
  });

  const queueUrl = sqsProxy.url + new URL(queue.queueUrl).pathname;
  const env: EnvVars = {
    ...awsTestEnv({ sqs: sqsProxy.url, secrets, agentcore, maxAttempts: 1 }),
    QUEUE_URL: queueUrl,
    SECRET_ARN: secrets.arnOf(`relay/${profile.channel}`),
    AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
    AGENT_QUALIFIER: "DEFAULT",
    MAX_RECEIVE_COUNT: String(options.maxReceiveCount ?? 3),
    ALLOWED_USERS: options.allowedUsers,
    LOG_LEVEL: "debug",
    ...profile.env,
    ...platform.env(platform.url),
    ...options.env,
  };
  const bundle = `modules/${profile.channel}/dist/ingress.mjs`;
  let handler: IngressHandler;
  let cleanup: () => void;
  if (options.ingressInNode) {
    // Like Lambda behind API Gateway: a request that finds every instance busy starts another one
    // (messages and WhatsApp's status webhooks arrive at the same time).
    const pool: NodeFunction[] = [];
    const busy = new Set<NodeFunction>();
    handler = async (event) => {
      let fn = pool.find((f) => !busy.has(f));
      if (!fn) {
        fn = new NodeFunction({
          bundle,
          env,
          timeoutMs: 10_000,
          output: (text) => options.logs.add(state.logSource, text),
        });
        pool.push(fn);
      }
      busy.add(fn);
      const outcome = await fn.invoke(event).finally(() => busy.delete(fn));
      if (outcome.kind === "returned") return outcome.result as APIGatewayProxyResult;
      throw new Error(`ingress invocation ${outcome.kind}${"error" in outcome ? `: ${outcome.error}` : ""}`);
    };
    cleanup = () => {
      for (const fn of pool) fn.close();
    };
  } else {
    const restoreEnv = setEnv(env);
    const restoreConsole = options.logs.install(() => state.logSource);
    cleanup = () => {
      restoreConsole();
      restoreEnv();
    };
    try {
      handler = (await loadBundle<{ handler: IngressHandler }>(bundle)).handler;
    } catch (error) {
      cleanup();
      throw error;
    }
  }

  return {
    get sqsDown() {
      return state.sqsDown;
    },
    set sqsDown(down: boolean) {
      state.sqsDown = down;
    },
    get logSource() {
      return state.logSource;
    },
    set logSource(source: string) {
      state.logSource = source;
    },
    queued,
    profile,
    platform,
    sqs,
    queue,
    sqsProxy,
    secrets,
    agentcore,
    env,
    async deliver(delivery: Delivery, encoding: BodyEncoding = "plain"): Promise<DeliveryOutcome> {
      const event = httpApiEvent({
        method: delivery.method,
        path: delivery.path,
        headers: delivery.headers,
        ...(delivery.query ? { query: delivery.query } : {}),
        ...(delivery.body === undefined
          ? {}
          : {
              body: delivery.body,
              isBase64Encoded: encoding === "base64" || encoding === "flag unset, body encoded",
            }),
      });
      if (delivery.body !== undefined && encoding === "flag unset, body encoded")
        event.isBase64Encoded = false;
      if (delivery.body !== undefined && encoding === "flag set, body not encoded") {
        event.body = new TextDecoder().decode(delivery.body);
        event.isBase64Encoded = true;
      }
      sends = 0;
      outage = false;
      refused = 0;
      try {
        const result = await handler(event, lambdaContext({ timeoutMs: 10_000 }));
        const status = typeof result?.statusCode === "number" ? result.statusCode : undefined;
        const body = typeof result?.body === "string" ? result.body : "";
        return { status, body, sends, outage, refused };
      } catch (threw) {
        return { status: undefined, body: "", threw, sends, outage, refused };
      }
    },
    async close() {
      cleanup();
      await Promise.all([
        sqsProxy.close(),
        sqs.close(),
        secrets.close(),
        agentcore.close(),
        platform.close(),
      ]);
    },
  };
}
