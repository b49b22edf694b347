import { noSecret } from "../core/secrets.ts";
import { createWorker } from "../core/worker.ts";
import { whatsappPersonal } from "./adapter.ts";

/** The Lambda handler: SQS batches of WhatsApp-personal envelopes, answered via the relay's outbound queue. */
export const handler = createWorker(whatsappPersonal, { secret: noSecret });
