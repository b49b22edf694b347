import type { Envelope } from "../core/envelope.ts";
import { accept, ingressApp, jsonBody, limitBody, verified } from "../core/ingress.ts";
import { lambdaHandler } from "../core/lambda.ts";
import { log } from "../core/log.ts";
import { secretLoader, verifyWithSecret } from "../core/secrets.ts";
import { recordConfirmations } from "./confirm.ts";
import { DeliverySchema, readDelivery } from "./inbound.ts";
import { WhatsAppSecretSchema } from "./secret.ts";
import { parseHandshake, signatureProblem, verifyTokenMatches } from "./verify.ts";

/**
 * The Cloud API webhook: GET /whatsapp answers the subscription handshake (400 without the hub.*
 * parameters, 403 for a wrong verify token); POST /whatsapp checks X-Hub-Signature-256 over the raw
 * body (401), parses the delivery (400) and queues one envelope per message; statuses confirming one
 * of our reply chunks are recorded in the send ledger. 200 only once SQS and the ledger have them
 * all, 503 when either fails so Meta delivers again. Other statuses and messages we do not answer
 * get 200 and are not queued.
 */

const secret = secretLoader(WhatsAppSecretSchema);

export const app = ingressApp();

app.get("/whatsapp", async (c) => {
  const handshake = parseHandshake(c.req.query());
  if (!handshake.ok) return c.text(handshake.reason, 400);
  const problem = await verifyWithSecret(secret, (s) =>
    verifyTokenMatches(handshake.token, s.verify_token) ? undefined : "wrong verify token",
  );
  if (problem) {
    log.warn("handshake.refused", { reason: problem });
    return c.text("forbidden", 403);
  }
  log.info("handshake.accepted");
  // Explicit: Bun's Response leaves a text body without a content-type header, Node's does not.
  return c.text(handshake.challenge, 200, { "content-type": "text/plain; charset=utf-8" });
});

app.post(
  "/whatsapp",
  limitBody(),
  verified(({ header, body }) =>
    verifyWithSecret(secret, (s) => signatureProblem(body, header("x-hub-signature-256"), s.app_secret)),
  ),
  jsonBody(DeliverySchema, "a WhatsApp delivery"),
  async (c) => {
    const { phone_number_id } = await secret();
    const delivery = readDelivery(c.req.valid("json"), { phoneNumberId: phone_number_id });
    const envelopes: Envelope[] = [];
    for (const { id, inbound } of delivery.messages) {
      if ("envelope" in inbound) envelopes.push(inbound.envelope);
      else log.info("message.ignored", { messageId: id, reason: inbound.ignored });
    }
    // Messages that failed after the API took them (131026 undeliverable, 131047 …) are only told here.
    for (const { id, code, title } of delivery.failed)
      log.warn("delivery.failed", { messageId: id, code, title });
    if (delivery.statuses > 0) log.debug("statuses.received", { count: delivery.statuses });
    await Promise.all([accept(envelopes), recordConfirmations(delivery.confirmed)]);
    return c.text("ok");
  },
);

/** The Lambda handler (API Gateway HTTP API payload v2.0, or a Function URL). */
export const handler = lambdaHandler(app, { prefetch: secret });
