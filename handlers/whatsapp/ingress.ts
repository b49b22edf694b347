import { accept, ingressApp, limitBody, parseJsonBody } from "../core/ingress.ts";
import { lambdaHandler } from "../core/lambda.ts";
import { log } from "../core/log.ts";
import { secretLoader, verifyWithSecret } from "../core/secrets.ts";
import { recordConfirmations } from "./confirm.ts";
import { DeliverySchema, toEnvelopes } from "./inbound.ts";
import { WhatsAppSecretSchema } from "./secret.ts";
import { parseHandshake, signatureMatches, verifyTokenMatches } from "./verify.ts";

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
  if (!(await verifyWithSecret(secret, (s) => verifyTokenMatches(handshake.token, s.verify_token)))) {
    log.warn("handshake.refused", { reason: "wrong verify token" });
    return c.text("forbidden", 403);
  }
  log.info("handshake.accepted");
  // Explicit: Bun's Response leaves a text body without a content-type header, Node's does not.
  return c.text(handshake.challenge, 200, { "content-type": "text/plain; charset=utf-8" });
});

app.post("/whatsapp", limitBody(), async (c) => {
  const signature = c.req.header("x-hub-signature-256");
  if (signature === undefined) return c.text("unauthorized", 401);
  const raw = new Uint8Array(await c.req.arrayBuffer());
  if (!(await verifyWithSecret(secret, (s) => signatureMatches(raw, signature, s.app_secret)))) {
    return c.text("unauthorized", 401);
  }
  const { phone_number_id } = await secret();
  let body: string;
  try {
    body = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return c.text("body is not UTF-8", 400);
  }
  const parsed = parseJsonBody(c, body, DeliverySchema, "a WhatsApp delivery");
  if ("response" in parsed) return parsed.response;
  const inbound = toEnvelopes(parsed.value, { phoneNumberId: phone_number_id });
  for (const { id, reason } of inbound.ignored) log.info("message.ignored", { messageId: id, reason });
  // Messages that failed after the API took them (131026 undeliverable, 131047 …) are only told here.
  for (const { id, code, title } of inbound.failed)
    log.warn("delivery.failed", { messageId: id, code, title });
  if (inbound.statuses > 0) log.debug("statuses.received", { count: inbound.statuses });
  await Promise.all([accept(inbound.envelopes), recordConfirmations(inbound.confirmed)]);
  return c.text("ok");
});

/** The Lambda handler (API Gateway HTTP API payload v2.0, or a Function URL). */
export const handler = lambdaHandler(app);
