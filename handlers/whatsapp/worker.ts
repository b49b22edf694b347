import { logInvocations } from "../core/log.ts";
import { createWorker } from "../core/worker.ts";
import { whatsapp } from "./adapter.ts";

/** The Lambda handler: SQS batches of WhatsApp envelopes, and the module's setup action. */
export const handler = logInvocations(createWorker(whatsapp));
