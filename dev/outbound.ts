/**
 * `POST /_dev/outbound` of `bun run dev`: a message the agent starts (docs/outbound.md), put on the
 * channel's local send queue with the typed client, exactly as an agent puts it on the deployed one;
 * the channel's worker thread takes it from there. The guard (guard.ts) already checked the token and JSON.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import * as v from "valibot";
import { sendOutbound } from "../handlers/core/outbound/client.ts";
import { OutboundMessageSchema } from "../handlers/core/outbound/message.ts";

/** Queues the message in `request` on its channel's send queue (`sendQueues`: channel → URL): 202, or 400 with the reason. */
export async function queueOutbound(
  request: Request,
  sendQueues: ReadonlyMap<string, string>,
  client: SQSClient,
): Promise<Response> {
  const body: unknown = await request.json().catch(() => undefined);
  const parsed = v.safeParse(OutboundMessageSchema, body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    return new Response(`${v.getDotPath(issue) || "message"}: ${issue.message}\n`, { status: 400 });
  }
  const queueUrl = sendQueues.get(parsed.output.channel);
  if (queueUrl === undefined) {
    return new Response(`no channel "${parsed.output.channel}" in this run\n`, { status: 400 });
  }
  const { messageId } = await sendOutbound(queueUrl, parsed.output, { client });
  return Response.json({ queued: true, messageId }, { status: 202 });
}
