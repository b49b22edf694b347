/**
 * Streamed agents on WhatsApp, end to end through the built worker bundles: WhatsApp has no edits, so an
 * answer is held until the agent is done and sent whole (handlers/whatsapp/README.md says why, with the
 * measurement). The Cloud API worker against the Graph emulator with the send ledger on; the personal
 * worker against the relay's outbound queue (fauxqs), in the same formatting as the Cloud API's.
 */
import { describe, expect, test } from "bun:test";
import type { SQSEvent } from "aws-lambda";
import { LONG_ANSWER } from "../bench/whatsapp-stream.ts";
import { agentStreams, words } from "../emulators/agent-streams.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { drain } from "../emulators/lambda.ts";
import {
  DEFAULT_APP_SECRET,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WHATSAPP_TOKEN,
  deliveryHeaders,
  metaJson,
  startWhatsApp,
  whatsappDelivery,
  whatsappMessage,
} from "../emulators/whatsapp.ts";
import { ENVELOPE_VERSION, type Envelope } from "../handlers/core/envelope.ts";
import { enqueue } from "../handlers/core/sqs-client.ts";
import { renderChunks } from "../handlers/core/text/split.ts";
import { markdownToWhatsApp } from "../handlers/whatsapp/format.ts";
import { loadBundle } from "./harness/bundles.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";

const USER = "16505551234";
const CHAT = "4915551234567@s.whatsapp.net";
const {
  stack,
  platform: wa,
  ingress,
  work,
} = await useChannelE2E({
  channel: "whatsapp",
  secret: {
    access_token: DEFAULT_WHATSAPP_TOKEN,
    app_secret: DEFAULT_APP_SECRET,
    verify_token: "verify-token_0123456789",
    phone_number_id: DEFAULT_PHONE_NUMBER_ID,
  },
  platform: () => startWhatsApp(),
  ledger: "whatsapp-stream-ledger",
  env: (platform) => ({
    ALLOWED_USERS: `${USER},${CHAT}`,
    WHATSAPP_API_URL: platform.url,
    WHATSAPP_APP_ID: undefined,
  }),
});

const rendered = (md: string) => renderChunks(md, markdownToWhatsApp, 4096);
const PIECE_MS = 15;

describe("WhatsApp Cloud API: held to the end, sent whole", () => {
  test("a long streamed answer (list, code block, table): typing while the agent writes, then one message after its last word", async () => {
    const pieces = words(LONG_ANSWER);
    stack.agentcore.script(agentStreams.python(pieces, { chunkDelayMs: PIECE_MS }));
    const raw = metaJson(
      whatsappDelivery({ messages: [whatsappMessage({ text: "why did it fail?", from: USER })] }),
    );
    const response = await ingress(
      httpApiEvent({ method: "POST", path: "/whatsapp", headers: deliveryHeaders(raw), body: raw }),
    );
    expect(response.statusCode).toBe(200);
    await work();
    const [invocation] = stack.agentcore.invocations();
    const sends = wa.callsOf("send");
    expect(wa.sent(USER)).toEqual(rendered(LONG_ANSWER));
    expect(sends).toHaveLength(1);
    // Nothing went out before the agent had written its whole answer.
    expect(sends[0]?.at ?? 0).toBeGreaterThanOrEqual((invocation?.at ?? 0) + (pieces.length - 1) * PIECE_MS);
    expect(wa.callsOf("read")[0]?.params).toMatchObject({ typing_indicator: { type: "text" } });
    // The code block is one monospace block, whole.
    expect(wa.sent(USER)[0]).toContain('```module "telegram" {');
  });
});

describe("WhatsApp personal: the same formatting, the same hold", () => {
  test("a streamed answer is queued for the relay as one text in WhatsApp Cloud's formatting", async () => {
    const inbound = await stack.sqs.createFifoPair("wp-stream-in");
    const outbound = await stack.sqs.createFifoPair("wp-stream-out");
    process.env.OUTBOUND_QUEUE_URL = outbound.queueUrl;
    try {
      const worker = (
        await loadBundle<{ handler: (event: SQSEvent) => Promise<unknown> }>(
          "modules/whatsapp-personal/dist/worker.mjs",
        )
      ).handler;
      const envelope: Envelope = {
        v: ENVELOPE_VERSION,
        channel: "whatsapp-personal",
        eventId: `${CHAT}:3EB0STREAM`,
        conversation: CHAT,
        user: { id: CHAT },
        text: "why did it fail?",
        attachments: [],
        reply: { chatJid: CHAT, messageId: "3EB0STREAM", group: false },
        receivedAt: Date.now(),
      };
      const fence = "```";
      const answer = `${LONG_ANSWER}\n\n${fence}\nfences ${fence} inside\n${fence}`;
      stack.agentcore.script(agentStreams.typescript(words(answer), { chunkDelayMs: PIECE_MS }));
      await enqueue(inbound.queueUrl, [envelope]);
      const result = await drain(stack.sqs, inbound.queueUrl, inbound.queueArn, worker);
      expect(result.polls.flatMap((p) => p.failed)).toEqual([]);
      const queued = (await stack.sqs.receiveAll(outbound.queueUrl)).map(
        (m) => JSON.parse(m.Body ?? "{}") as { kind: string; text?: string },
      );
      const texts = queued.filter((m) => m.kind === "text").map((m) => m.text);
      expect(texts).toEqual(rendered(answer));
      expect(texts).toHaveLength(1);
      expect(queued[0]?.kind).toBe("typing");
      // ``` inside a code block cannot close it (a zero-width space breaks the run), as on the Cloud API.
      expect(texts[0]).toEndWith("```fences ``\u200b` inside```");
    } finally {
      delete process.env.OUTBOUND_QUEUE_URL;
    }
  });
});
