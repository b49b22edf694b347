/**
 * Every fake a channel's end-to-end test needs, started together, with the environment that points the
 * handlers at them.
 *
 * @example
 * const stack = await startFakeStack({ secret: { value: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: "s" } } });
 * const restore = setEnv(stack.env({ ALLOWED_USERS: "*" }));
 * const worker = await loadBundle<{ handler: SqsHandler }>("modules/telegram/dist/worker.mjs");
 * await drain(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, worker.handler);
 * expect(stack.telegram.sent()).toEqual(["echo: hi"]);
 * restore(); await stack.close();
 */
import {
  type AgentCoreOptions,
  FAKE_AGENT_RUNTIME_ARN,
  type FakeAgentCore,
  startAgentCore,
} from "../../emulators/agentcore.ts";
import { awsTestEnv, type EnvVars } from "../../emulators/aws-env.ts";
import { type FakeSecretsManager, startSecretsManager } from "../../emulators/secrets-manager.ts";
import { type FifoPair, type FifoPairOptions, type LocalSqs, startSqs } from "../../emulators/sqs.ts";
import { type FakeTelegram, startTelegram, type TelegramOptions } from "../../emulators/telegram.ts";

/** Options for {@link startFakeStack}. */
export interface FakeStackOptions {
  /** The channel secret whose ARN becomes SECRET_ARN (name defaults to "agentcore-relay/test"). */
  secret?: { name?: string; value: object | string };
  /** More secrets, by name or ARN. */
  secrets?: Record<string, object | string>;
  telegram?: TelegramOptions;
  agentcore?: AgentCoreOptions;
  /** The FIFO queue pair (name defaults to "relay"; maxReceiveCount 3, visibility 30 s). */
  queue?: FifoPairOptions & { name?: string };
  /** AWS_MAX_ATTEMPTS for the SDK clients under test (default 1: scripted AWS errors surface at once). */
  maxAttempts?: number;
}

/** The running fakes. */
export interface FakeStack {
  sqs: LocalSqs;
  secrets: FakeSecretsManager;
  agentcore: FakeAgentCore;
  telegram: FakeTelegram;
  queue: FifoPair;
  /** SECRET_ARN's value, when a `secret` was given. */
  secretArn: string | undefined;
  /**
   * The handlers' environment: AWS (region, dummy credentials, endpoints), QUEUE_URL, SECRET_ARN,
   * AGENT_RUNTIME_ARN, AGENT_QUALIFIER, MAX_RECEIVE_COUNT, TELEGRAM_API_URL; `extra` wins.
   */
  env(extra?: EnvVars): EnvVars;
  /** Clears the fakes' calls and scripts (queues and secrets stay). */
  reset(): void;
  close(): Promise<void>;
}

/** Starts SQS (with one FIFO pair), Secrets Manager, AgentCore and Telegram fakes in parallel. */
export async function startFakeStack(options: FakeStackOptions = {}): Promise<FakeStack> {
  const secretName = options.secret?.name ?? "agentcore-relay/test";
  const allSecrets = {
    ...options.secrets,
    ...(options.secret ? { [secretName]: options.secret.value } : {}),
  };
  const [sqs, secrets, agentcore, telegram] = await Promise.all([
    startSqs(),
    startSecretsManager({ secrets: allSecrets }),
    startAgentCore(options.agentcore),
    startTelegram(options.telegram),
  ]);
  const maxReceiveCount = options.queue?.maxReceiveCount ?? 3;
  const queue = await sqs.createFifoPair(options.queue?.name ?? "relay", {
    ...options.queue,
    maxReceiveCount,
  });
  const secretArn = options.secret ? secrets.arnOf(secretName) : undefined;
  return {
    sqs,
    secrets,
    agentcore,
    telegram,
    queue,
    secretArn,
    env(extra = {}) {
      return {
        ...awsTestEnv({ sqs, secrets, agentcore, maxAttempts: options.maxAttempts ?? 1 }),
        QUEUE_URL: queue.queueUrl,
        ...(secretArn ? { SECRET_ARN: secretArn } : {}),
        AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
        AGENT_QUALIFIER: "DEFAULT",
        MAX_RECEIVE_COUNT: String(maxReceiveCount),
        TELEGRAM_API_URL: telegram.url,
        ...extra,
      };
    },
    reset() {
      secrets.reset();
      agentcore.reset();
      telegram.reset();
    },
    async close() {
      await Promise.all([sqs.close(), secrets.close(), agentcore.close(), telegram.close()]);
    },
  };
}
