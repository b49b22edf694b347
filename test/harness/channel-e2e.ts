/**
 * The setup every channel's end-to-end file shares, as one call at the top of the file: the emulators
 * (test/harness/stack.ts) with the channel's secret and queue, the channel's own platform emulator,
 * dynalite with the send ledger's table, the handlers' environment as the module sets it, and the
 * channel's two built bundles loaded fresh in that environment. After the file, the environment is
 * restored and everything stops; before each test, the emulators forget their calls and scripts and the
 * queue and its DLQ are emptied.
 *
 * @example
 * const { stack, ingress, work } = await useChannelE2E({
 *   channel: "telegram",
 *   secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: "s" },
 *   env: () => ({ ALLOWED_USERS: "1001" }),
 * });
 */
import { afterAll, beforeEach } from "bun:test";
import type { EnvVars } from "../../emulators/aws-env.ts";
import {
  type DrainResult,
  drain,
  type IngressHandler,
  type PollOptions,
  type PollResult,
  pollSqsOnce,
  type WorkerHandler,
} from "../../emulators/lambda.ts";
import type { FifoPairOptions } from "../../emulators/sqs.ts";
import type { TelegramOptions } from "../../emulators/telegram.ts";
import { loadBundle } from "./bundles.ts";
import { type LocalDynamo, startDynamo } from "./dynamodb.ts";
import { setEnv } from "./env.ts";
import { type FakeStack, startFakeStack } from "./stack.ts";

/** A channel with a webhook ingress and a worker (modules/<channel>/dist/{ingress,worker}.mjs). */
export type WebhookChannel = "telegram" | "slack" | "discord" | "whatsapp";

/** A platform emulator as the fixture handles it. */
export interface PlatformEmulator {
  reset(): void;
  close(): Promise<void>;
}

export interface ChannelE2EOptions<P extends PlatformEmulator | undefined> {
  readonly channel: WebhookChannel;
  /** The channel secret (SECRET_ARN's value); given the platform emulator when it holds the keys. */
  readonly secret: object | ((platform: P) => object);
  /** Starts the channel's platform emulator (Telegram's is in the stack already). */
  readonly platform?: () => Promise<P>;
  /** The FIFO pair (maxReceiveCount 3 unless given). */
  readonly queue?: FifoPairOptions;
  readonly telegram?: TelegramOptions;
  /** The send ledger's table: created on dynalite, named in LEDGER_TABLE. Without it the ledger is off. */
  readonly ledger?: string;
  /**
   * A media bucket of this name on the embedded S3 (fauxqs), named in MEDIA_BUCKET with
   * AWS_ENDPOINT_URL_S3 pointing at it. Without it media is off (files reach the agent as metadata).
   */
  readonly mediaBucket?: string;
  /** The handlers' environment besides the stack's: ALLOWED_USERS, the platform's URL … (LOG_LEVEL=error). */
  readonly env: (platform: P) => EnvVars;
}

export interface ChannelE2E<P> {
  readonly stack: FakeStack;
  readonly platform: P;
  /** dynalite, for reading the ledger with a client of the test's own. */
  readonly dynamo: LocalDynamo;
  readonly ingress: IngressHandler;
  readonly worker: WorkerHandler;
  /** The worker over everything on the queue, as the event source mapping runs it (30 s function timeout). */
  work(options?: PollOptions): Promise<DrainResult>;
  /** One poll of the event source mapping: one worker invocation over what is on the queue. */
  pollOnce(options?: PollOptions): Promise<PollResult>;
  /** Messages visible on the queue. */
  depth(): Promise<number>;
}

/** Starts the channel's end-to-end setup and registers its reset (before each test) and teardown. */
export async function useChannelE2E<P extends PlatformEmulator | undefined = undefined>(
  options: ChannelE2EOptions<P>,
): Promise<ChannelE2E<P>> {
  let restoreEnv = () => {};
  const running: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    restoreEnv();
    await Promise.all(running.map((emulator) => emulator.close()));
  });

  const [platform, dynamo] = await Promise.all([options.platform?.() as Promise<P>, startDynamo()]);
  running.push(dynamo);
  if (platform) running.push(platform);
  const secret = typeof options.secret === "function" ? options.secret(platform) : options.secret;
  const stack = await startFakeStack({
    secret: { value: secret },
    queue: { name: options.channel, ...options.queue },
    ...(options.telegram ? { telegram: options.telegram } : {}),
  });
  running.push(stack);
  const ledger = options.ledger;
  if (ledger) await dynamo.createLedgerTable(ledger);
  const media = options.mediaBucket;
  if (media) await stack.sqs.server.createBucket(media);
  restoreEnv = setEnv(
    stack.env({
      LOG_LEVEL: "error",
      ...(ledger ? { LEDGER_TABLE: ledger, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint } : {}),
      ...(media ? { MEDIA_BUCKET: media, AWS_ENDPOINT_URL_S3: stack.sqs.endpoint } : {}),
      ...options.env(platform),
    }),
  );
  const dist = `modules/${options.channel}/dist`;
  const ingress = (await loadBundle<{ handler: IngressHandler }>(`${dist}/ingress.mjs`)).handler;
  const worker = (await loadBundle<{ handler: WorkerHandler }>(`${dist}/worker.mjs`)).handler;

  beforeEach(async () => {
    stack.reset();
    platform?.reset();
    await stack.sqs.receiveAll(stack.queue.queueUrl);
    await stack.sqs.receiveAll(stack.queue.dlqUrl);
  });

  const { sqs, queue } = stack;
  return {
    stack,
    platform,
    dynamo,
    ingress,
    worker,
    work: (poll) => drain(sqs, queue.queueUrl, queue.queueArn, worker, poll),
    pollOnce: (poll) => pollSqsOnce(sqs, queue.queueUrl, queue.queueArn, worker, poll),
    depth: async () => (await sqs.depth(queue.queueUrl)).visible,
  };
}
