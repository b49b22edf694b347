/**
 * Stands in for handlers/core/aws/sqs.ts (the ingress's lean SQS client) in the bundles the
 * warm-overhead run builds, as sqs-stub.ts stands in for the SDK's client in the peers: SendMessage
 * and SendMessageBatch answered at once, in process.
 */
import type {
  SendMessageBatchRequest,
  SendMessageBatchResult,
  SendMessageRequest,
  SendMessageResult,
} from "@aws-sdk/client-sqs";

let sequence = 0;

/** SendMessage: answered with a message id. */
export async function sendMessage(_input: SendMessageRequest): Promise<SendMessageResult> {
  return { MessageId: `stub-${++sequence}` };
}

/** SendMessageBatch: every entry succeeds. */
export async function sendMessageBatch(input: SendMessageBatchRequest): Promise<SendMessageBatchResult> {
  return {
    Successful: (input.Entries ?? []).map((e) => ({
      Id: e.Id,
      MessageId: `stub-${++sequence}`,
      MD5OfMessageBody: "",
    })),
    Failed: [],
  };
}
