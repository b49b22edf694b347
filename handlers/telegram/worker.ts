import { logInvocations } from "../core/log.ts";
import { createWorker } from "../core/worker.ts";
import { telegram } from "./adapter.ts";

/** The Lambda handler: SQS batches of Telegram envelopes, and the module's setup action. */
export const handler = logInvocations(createWorker(telegram));
