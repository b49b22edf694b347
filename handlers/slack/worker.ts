import { logInvocations } from "../core/log.ts";
import { createWorker } from "../core/worker.ts";
import { slack } from "./adapter.ts";

/** The Lambda handler: SQS batches of Slack envelopes. */
export const handler = logInvocations(createWorker(slack));
