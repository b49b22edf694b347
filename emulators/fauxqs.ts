/**
 * fauxqs, on this computer only. fauxqs 2.4 listens on 0.0.0.0 whatever it is told: `startFauxqs` has
 * no listen-address option (its `host` only names queue URLs), so anyone on the network could queue an
 * envelope claiming an allowed user. While it starts, `http.Server#listen` is wrapped: the server it
 * opens binds 127.0.0.1, and refuses (403) every request whose Host header is not this machine's
 * loopback name — a web page that rebinds its DNS name to 127.0.0.1 sends its own. Starts are
 * serialized so the wrapper is in place for exactly one start at a time, and the address fauxqs
 * reports is checked afterwards: should a later fauxqs listen some other way, starting fails loudly.
 */
import { randomUUID } from "node:crypto";
import { type IncomingMessage, Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type FauxqsServer, startFauxqs } from "fauxqs";
import { isLoopbackAddress, loopbackHosts } from "./loopback.ts";

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

let starting: Promise<unknown> = Promise.resolve();

/** Starts fauxqs bound to 127.0.0.1, answering loopback Host names only. */
export function startLoopbackFauxqs(options: Parameters<typeof startFauxqs>[0] = {}): Promise<FauxqsServer> {
  const start = async () => {
    await receiveFifoAsSqs();
    const listen = Server.prototype.listen;
    Server.prototype.listen = function (this: Server, ...args: unknown[]) {
      const [first] = args;
      if (typeof first === "object" && first !== null && "host" in first) {
        args[0] = { ...first, host: "127.0.0.1" };
        guardHost(this);
      }
      return (listen as (...a: unknown[]) => Server).apply(this, args);
    } as typeof listen;
    let server: FauxqsServer;
    try {
      server = await startFauxqs(options);
    } finally {
      Server.prototype.listen = listen;
    }
    if (!isLoopbackAddress(new URL(server.address).hostname)) {
      await server.stop();
      throw new Error(`fauxqs listens on ${server.address}, not on 127.0.0.1 only: see emulators/fauxqs.ts`);
    }
    return server;
  };
  const started = starting.then(start, start);
  starting = started.catch(() => undefined);
  return started;
}

/** Puts a Host and peer check in front of the server's request handlers. */
function guardHost(server: Server): void {
  const handlers = server.listeners("request") as Listener[];
  server.removeAllListeners("request");
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const { port } = server.address() as AddressInfo;
    if (
      !isLoopbackAddress(request.socket.remoteAddress) ||
      !loopbackHosts(port).has(request.headers.host ?? "")
    ) {
      response.writeHead(403, { "content-type": "text/plain" }).end("local requests only\n");
      return;
    }
    for (const handler of handlers) handler.call(server, request, response);
  });
}

/** The parts of a fauxqs 2.4 queue (dist/sqs/sqsStore.js `SqsQueue`) the FIFO receive below touches. */
interface FauxqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  messageAttributes: Record<string, unknown>;
  approximateReceiveCount: number;
  approximateFirstReceiveTimestamp?: number;
  sequenceNumber?: string;
}
interface FauxqsQueue {
  attributes: Record<string, string>;
  fifoMessages: Map<string, FauxqsMessage[]>;
  fifoLockedGroups: Map<string, number>;
  inflightMessages: Map<
    string,
    { message: FauxqsMessage; receiptHandle: string; visibilityDeadline: number }
  >;
  isFifo(): boolean;
  processTimers(): void;
  changeVisibility(receiptHandle: string, timeoutSeconds: number): void;
  dequeueFifo(maxCount: number, visibility: number | undefined, dlq?: (arn: string) => unknown): unknown[];
}

let patched: Promise<void> | undefined;

/**
 * fauxqs 2.4 gives out one message per FIFO message group per receive, and puts several in-flight messages
 * of a group that come back (visibility timeout, ChangeMessageVisibility 0) at its front in reverse. SQS
 * gives out as many messages of a group as it can, in order ("first attempts to return as many messages
 * with the same message group ID as possible"), which is what a Lambda batch of one conversation holds, and
 * keeps a group in sequence-number order. So the receive is replaced with one that does, and a group is put
 * back in order whenever messages return to it. Checked against the fields it needs, so a fauxqs that
 * changed them fails loudly instead of receiving differently.
 */
function receiveFifoAsSqs(): Promise<void> {
  patched ??= (async () => {
    const store = (await import(new URL("./sqs/sqsStore.js", import.meta.resolve("fauxqs")).href)) as {
      SqsQueue?: { prototype: FauxqsQueue };
    };
    const proto = store.SqsQueue?.prototype;
    if (!proto?.dequeueFifo || !proto.changeVisibility || !proto.processTimers)
      throw new Error("fauxqs changed: its SqsQueue has no dequeueFifo to replace (see emulators/fauxqs.ts)");
    const { changeVisibility, processTimers } = proto;
    proto.changeVisibility = function (this: FauxqsQueue, handle, seconds) {
      changeVisibility.call(this, handle, seconds);
      inSequence(this);
    };
    proto.processTimers = function (this: FauxqsQueue) {
      processTimers.call(this);
      inSequence(this);
    };
    proto.dequeueFifo = dequeueFifo;
  })();
  return patched;
}

function inSequence(queue: FauxqsQueue): void {
  if (!queue.isFifo()) return;
  const order = (m: FauxqsMessage) => BigInt(m.sequenceNumber ?? 0);
  for (const group of queue.fifoMessages.values()) group.sort((a, b) => (order(a) < order(b) ? -1 : 1));
}

/** Up to `maxCount` (10 at most) messages: from each unlocked group in turn, as many as it has. */
function dequeueFifo(
  this: FauxqsQueue,
  maxCount: number,
  visibility: number | undefined,
  dlqResolver?: (arn: string) => unknown,
): unknown[] {
  if (!(this.fifoMessages instanceof Map) || !(this.fifoLockedGroups instanceof Map))
    throw new Error("fauxqs changed: its FIFO queue state is not where emulators/fauxqs.ts expects it");
  this.processTimers();
  const timeout = visibility ?? Number.parseInt(this.attributes.VisibilityTimeout ?? "30", 10);
  let redrive: { maxReceiveCount?: number; deadLetterTargetArn?: string } = {};
  try {
    redrive = JSON.parse(this.attributes.RedrivePolicy ?? "{}");
  } catch {
    // no redrive policy to follow
  }
  const count = Math.min(maxCount, 10);
  const received: unknown[] = [];
  for (const [groupId, group] of this.fifoMessages) {
    if (received.length >= count) break;
    if (this.fifoLockedGroups.has(groupId)) continue;
    while (received.length < count && group.length > 0) {
      const message = group.shift() as FauxqsMessage;
      message.approximateReceiveCount += 1;
      message.approximateFirstReceiveTimestamp ??= Date.now();
      const dlqArn = redrive.deadLetterTargetArn;
      if (dlqArn && message.approximateReceiveCount > (redrive.maxReceiveCount ?? Number.POSITIVE_INFINITY)) {
        const dlq = dlqResolver?.(dlqArn) as { enqueue(m: FauxqsMessage): void } | undefined;
        if (dlq) {
          dlq.enqueue(message);
          continue;
        }
      }
      const receiptHandle = randomUUID();
      this.inflightMessages.set(receiptHandle, {
        message,
        receiptHandle,
        visibilityDeadline: Date.now() + timeout * 1000,
      });
      this.fifoLockedGroups.set(groupId, (this.fifoLockedGroups.get(groupId) ?? 0) + 1);
      received.push({
        MessageId: message.messageId,
        ReceiptHandle: receiptHandle,
        MD5OfBody: message.md5OfBody,
        Body: message.body,
        ...(message.md5OfMessageAttributes ? { MD5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
        ...(Object.keys(message.messageAttributes).length > 0
          ? { MessageAttributes: message.messageAttributes }
          : {}),
      });
    }
    if (group.length === 0) this.fifoMessages.delete(groupId);
  }
  return received;
}
