import { logInvocations } from "../core/log.ts";
import { createWorker } from "../core/worker.ts";
import { discord } from "./adapter.ts";

/** The Lambda handler: SQS batches of Discord envelopes (interactions and relayed messages), and the module's setup action. */
export const handler = logInvocations(createWorker(discord));
