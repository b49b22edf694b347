import { withSessionKey } from "../core/agent/session-id.ts";
import { logInvocations } from "../core/log.ts";
import { secretIfConfigured } from "../core/secrets.ts";
import { createWorker } from "../core/worker.ts";
import { whatsappPersonal } from "./adapter.ts";
import { WhatsAppPersonalSecretSchema } from "./secret.ts";

/**
 * The Lambda handler: SQS batches of WhatsApp-personal envelopes, answered via the relay's outbound
 * queue. No credentials (the relay holds the WhatsApp session); SECRET_ARN, when set, names a secret
 * holding only the session ids' key (`session_key`).
 */
export const handler = logInvocations(
  createWorker(whatsappPersonal, {
    secret: secretIfConfigured(withSessionKey(WhatsAppPersonalSecretSchema), {}),
  }),
);
