/**
 * SQS's SendMessage and SendMessageBatch over its JSON protocol (`AmazonSQS.<operation>`,
 * `application/x-amz-json-1.0`), for the ingress. Sent to the queue URL's own origin, as the SDK's SQS
 * client sends them (`useQueueUrlAsEndpoint`: it takes the queue URL's origin over `AWS_ENDPOINT_URL_SQS`
 * when they differ); SQS's MD5 of each body is checked, as the SDK's SQS client checks it.
 */
import { createHash } from "node:crypto";
import type {
  SendMessageBatchRequest,
  SendMessageBatchResult,
  SendMessageRequest,
  SendMessageResult,
} from "@aws-sdk/client-sqs";
import { callJson, type JsonService } from "./call.ts";

const SQS: JsonService = {
  id: "SQS",
  signingName: "sqs",
  target: "AmazonSQS",
  jsonVersion: "1.0",
  queryCompatible: true,
};

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

const queueOrigin = (queueUrl: string | undefined) => {
  try {
    return queueUrl ? new URL(new URL(queueUrl).origin) : undefined;
  } catch {
    return undefined;
  }
};

/** SendMessage; rejects with `InvalidChecksumError` when SQS's MD5 of the body is not ours. */
export async function sendMessage(input: SendMessageRequest): Promise<SendMessageResult> {
  const output = await callJson<SendMessageResult>(SQS, "SendMessage", input, queueOrigin(input.QueueUrl));
  if (output.MD5OfMessageBody !== md5(input.MessageBody ?? "")) throw new Error("InvalidChecksumError");
  return output;
}

/** SendMessageBatch; rejects when SQS's MD5 of a body it took is not ours. */
export async function sendMessageBatch(input: SendMessageBatchRequest): Promise<SendMessageBatchResult> {
  const output = await callJson<SendMessageBatchResult>(
    SQS,
    "SendMessageBatch",
    input,
    queueOrigin(input.QueueUrl),
  );
  const bodies = new Map(input.Entries?.map((entry) => [entry.Id, entry.MessageBody ?? ""]));
  const bad = (output.Successful ?? []).filter(
    (entry) => bodies.has(entry.Id) && entry.MD5OfMessageBody !== md5(bodies.get(entry.Id) ?? ""),
  );
  if (bad.length > 0) throw new Error(`Invalid MD5 checksum on messages: ${bad.map((e) => e.MessageId)}`);
  return output;
}
