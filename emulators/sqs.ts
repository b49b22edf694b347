/**
 * Embedded SQS for tests: fauxqs on 127.0.0.1 only (port 0; see fauxqs.ts) plus a real SQSClient pointed at it.
 * fauxqs names queues `http://sqs.<region>.localhost:<port>/<account>/<name>`; that host does not resolve
 * everywhere, so every queue URL handed out here keeps the path and uses `endpoint` (127.0.0.1:port) as
 * origin — the same origin as `AWS_ENDPOINT_URL_SQS`, so the SDK does not switch endpoints or warn.
 */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { FauxqsServer } from "fauxqs";
import { startLoopbackFauxqs } from "./fauxqs.ts";

/** A FIFO queue with its FIFO dead-letter queue. */
export interface FifoPair {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  /** The queue's name (with `.fifo`). */
  queueName: string;
  dlqName: string;
}

/** Options for {@link LocalSqs.createFifoPair}. */
export interface FifoPairOptions {
  /** Receives before a message moves to the DLQ (default 3). */
  maxReceiveCount?: number;
  /** The queue's visibility timeout (default 30 s). */
  visibilityTimeoutSeconds?: number;
  /** ContentBasedDeduplication on the main queue (default false: senders give MessageDeduplicationId). */
  contentBasedDeduplication?: boolean;
}

/** Options for {@link LocalSqs.send}. */
export interface SendOptions {
  groupId?: string;
  dedupId?: string;
  attributes?: Record<string, MessageAttributeValue>;
}

/** Message counts from GetQueueAttributes. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** A running embedded SQS. */
export interface LocalSqs {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_SQS`. */
  readonly endpoint: string;
  readonly region: string;
  /** A real SQSClient pointed at `endpoint`. */
  readonly client: SQSClient;
  /** The fauxqs server, for its inspection helpers. */
  readonly server: FauxqsServer;
  /** Creates `<name>-dlq.fifo` and `<name>.fifo` with a RedrivePolicy to it (idempotent per name). */
  createFifoPair(name: string, options?: FifoPairOptions): Promise<FifoPair>;
  /** Sends one message (FIFO queues: groupId defaults to "default", dedupId to a random UUID). */
  send(queueUrl: string, body: string, options?: SendOptions): Promise<{ messageId: string }>;
  /**
   * Receives until the queue answers empty, deleting what it got (FIFO groups unlock only on delete)
   * unless `deleteMessages` is false. Returns messages with all system and message attributes.
   */
  receiveAll(queueUrl: string, options?: { deleteMessages?: boolean; limit?: number }): Promise<Message[]>;
  /** Bodies of every message in the queue (ready, delayed and in flight), without receiving them. */
  peek(queueUrl: string): string[];
  /** Approximate counts, as GetQueueAttributes reports them. */
  depth(queueUrl: string): Promise<QueueDepth>;
  /** Rewrites a fauxqs queue URL (any host) to `endpoint` + its path. */
  localUrl(queueUrl: string): string;
  close(): Promise<void>;
}

/** Starts fauxqs and a client for it. */
export async function startSqs(options: { region?: string } = {}): Promise<LocalSqs> {
  const region = options.region ?? "us-east-1";
  const server = await startLoopbackFauxqs({ port: 0, logger: false, defaultRegion: region });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new SQSClient({
    region,
    endpoint,
    credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake-secret" },
    maxAttempts: 1,
  });
  const localUrl = (queueUrl: string): string => endpoint + new URL(queueUrl).pathname;
  const nameOf = (queueUrl: string): string =>
    new URL(queueUrl).pathname.split("/").filter(Boolean).at(-1) ?? "";

  const createQueue = async (name: string, attributes: Record<string, string>): Promise<[string, string]> => {
    const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const url = localUrl(created.QueueUrl ?? "");
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
    );
    return [url, attrs.Attributes?.QueueArn ?? ""];
  };

  return {
    endpoint,
    region,
    client,
    server,
    async createFifoPair(name, pairOptions = {}) {
      const base = name.replace(/\.fifo$/, "");
      const visibility = String(pairOptions.visibilityTimeoutSeconds ?? 30);
      const dlqName = `${base}-dlq.fifo`;
      const queueName = `${base}.fifo`;
      const [dlqUrl, dlqArn] = await createQueue(dlqName, {
        FifoQueue: "true",
        VisibilityTimeout: visibility,
      });
      const [queueUrl, queueArn] = await createQueue(queueName, {
        FifoQueue: "true",
        VisibilityTimeout: visibility,
        ContentBasedDeduplication: String(pairOptions.contentBasedDeduplication ?? false),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: pairOptions.maxReceiveCount ?? 3,
        }),
      });
      return { queueUrl, queueArn, dlqUrl, dlqArn, queueName, dlqName };
    },
    async send(queueUrl, body, sendOptions = {}) {
      const fifo = queueUrl.endsWith(".fifo");
      const out = await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: sendOptions.attributes,
          MessageGroupId: fifo ? (sendOptions.groupId ?? "default") : sendOptions.groupId,
          MessageDeduplicationId: fifo ? (sendOptions.dedupId ?? crypto.randomUUID()) : sendOptions.dedupId,
        }),
      );
      return { messageId: out.MessageId ?? "" };
    },
    async receiveAll(queueUrl, receiveOptions = {}) {
      const deleteMessages = receiveOptions.deleteMessages ?? true;
      const limit = receiveOptions.limit ?? 1000;
      const all: Message[] = [];
      while (all.length < limit) {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) break;
        all.push(...messages);
        if (deleteMessages) {
          await client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
      }
      return all;
    },
    peek(queueUrl) {
      const inspected = server.inspectQueue(nameOf(queueUrl));
      if (!inspected) throw new Error(`no queue ${queueUrl}`);
      const { ready, delayed, inflight } = inspected.messages;
      return [...inflight.map((entry) => entry.message), ...ready, ...delayed].map((m) => m.body);
    },
    async depth(queueUrl) {
      const out = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
          ],
        }),
      );
      const attrs = out.Attributes ?? {};
      return {
        visible: Number(attrs.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(attrs.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(attrs.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    },
    localUrl,
    async close() {
      client.destroy();
      await server.stop();
    },
  };
}
