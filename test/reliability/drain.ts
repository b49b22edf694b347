/**
 * After the fuzz: everything it got queued (valid deliveries with fuzzed content, from random users)
 * goes through the channel's BUILT worker bundle, as Lambda's event source mapping would deliver it.
 * The worker must never throw, must accept every envelope its ingress wrote, and must not let a user
 * outside ALLOWED_USERS reach the agent: under the pairing policy (the modules' default) every stranger
 * asks for a code, the admin is asked, and none of them is answered by the agent.
 */
import type { SQSEvent } from "aws-lambda";
import { drain, lambdaContext } from "../../emulators/lambda.ts";
import { loadBundle } from "../harness/bundles.ts";
import type { LogCapture } from "./logs.ts";
import type { Rig } from "./rig.ts";

type WorkerHandler = (event: SQSEvent, context: unknown) => Promise<unknown>;

/** What the worker did with the fuzz's messages. */
export interface DrainFigures {
  readonly messages: number;
  readonly invocations: number;
  /** Invocations that threw (Lambda would retry the whole batch). */
  readonly threw: number;
  /** Envelopes the worker refused as malformed (the ingress wrote something its worker cannot read). */
  readonly invalidEnvelopes: number;
  readonly agentCalls: number;
  /** Agent calls for users outside ALLOWED_USERS: must be 0. */
  readonly strangerAgentCalls: number;
  readonly refusedUsers: number;
  /**
   * Left in the queue or dead-lettered after the drain: with every fake healthy, a message the worker
   * retried until the DLQ is one it cannot handle although its ingress accepted it.
   */
  readonly leftOver: number;
  readonly ms: number;
}

/** Drains the rig's queue through the worker bundle (in this process, with the rig's environment). */
export async function drainFuzzQueue(
  rig: Rig,
  logs: LogCapture,
  allowed: ReadonlySet<string>,
): Promise<DrainFigures> {
  const started = performance.now();
  const messages = rig.queued.length;
  const source = `worker:${rig.profile.channel}`;
  const before = logs.lines.length;
  const previous = rig.logSource;
  rig.logSource = source;
  rig.agentcore.reset();
  let threw = 0;
  try {
    const worker = (
      await loadBundle<{ handler: WorkerHandler }>(`modules/${rig.profile.channel}/dist/worker.mjs`)
    ).handler;
    const result = await drain(
      rig.sqs,
      rig.queue.queueUrl,
      rig.queue.queueArn,
      (event) => worker(event, lambdaContext({ timeoutMs: 20_000 })),
      { maxPolls: 10_000, timeoutMs: 30_000 },
    );
    threw = result.polls.filter((poll) => poll.batchFailure !== undefined).length;
    const left =
      (await rig.sqs.receiveAll(rig.queue.queueUrl)).length +
      (await rig.sqs.receiveAll(rig.queue.dlqUrl)).length;
    const lines = logs.lines.slice(before).filter((line) => line.source === source);
    const calls = rig.agentcore.invocations();
    return {
      messages,
      invocations: result.invocations,
      threw,
      invalidEnvelopes: lines.filter((line) => line.text.includes('"envelope.invalid"')).length,
      agentCalls: calls.length,
      strangerAgentCalls: calls.filter(
        (call) => !allowed.has(String((call.payload as { user?: { id?: unknown } } | undefined)?.user?.id)),
      ).length,
      refusedUsers: lines.filter((line) =>
        /"(user\.refused|access\.(requested|pending|pairing_busy))"/.test(line.text),
      ).length,
      leftOver: left,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    rig.logSource = previous;
  }
}
