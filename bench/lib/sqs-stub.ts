/**
 * Stands in for `@aws-sdk/client-sqs` in the bundles the warm-overhead run builds: a client whose
 * `send` answers at once, in process, with what SQS would answer. What remains of a request is our
 * own work — routing, body reading, signature check, parsing, the envelope, the log line.
 */

class Command<I> {
  constructor(readonly input: I) {}
}

/** SendMessage: answered with a message id. */
export class SendMessageCommand extends Command<{ MessageBody?: string }> {}
/** SendMessageBatch: every entry succeeds. */
export class SendMessageBatchCommand extends Command<{ Entries?: { Id?: string }[] }> {}
/** ChangeMessageVisibilityBatch: every entry succeeds. */
export class ChangeMessageVisibilityBatchCommand extends Command<{ Entries?: { Id?: string }[] }> {}

let sequence = 0;

/** An SQS client that never leaves the process. */
export class SQSClient {
  constructor(readonly config: unknown = {}) {}

  send(command: Command<unknown>): Promise<unknown> {
    if (command instanceof SendMessageCommand) return Promise.resolve({ MessageId: `stub-${++sequence}` });
    if (
      command instanceof SendMessageBatchCommand ||
      command instanceof ChangeMessageVisibilityBatchCommand
    ) {
      const entries = command.input.Entries ?? [];
      return Promise.resolve({
        Successful: entries.map((e) => ({ Id: e.Id, MessageId: `stub-${++sequence}` })),
        Failed: [],
      });
    }
    return Promise.reject(new Error(`the SQS stub does not answer ${command.constructor.name}`));
  }

  destroy(): void {}
}
