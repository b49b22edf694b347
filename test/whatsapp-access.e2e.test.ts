/**
 * Where WhatsApp Cloud's admins are asked about a stranger, through the built bundles: the worker writes
 * to an admin's number only within Meta's 24 hours after they last wrote.
 */
import { describe, expect, test } from "bun:test";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext } from "../emulators/lambda.ts";
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
import { accessTexts } from "../handlers/core/access/texts.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";

const codeIn = (text: string | undefined) => /\b([0-9A-Z]{6})\b/.exec(text ?? "")?.[1] ?? "";

describe("WhatsApp Cloud", async () => {
  const ADMIN = "16505550001";
  const wa = await useChannelE2E({
    channel: "whatsapp",
    secret: {
      access_token: DEFAULT_WHATSAPP_TOKEN,
      app_secret: DEFAULT_APP_SECRET,
      verify_token: "verify-token_0123456789",
      phone_number_id: DEFAULT_PHONE_NUMBER_ID,
    },
    platform: () => startWhatsApp(),
    ledger: "whatsapp-access-ledger",
    env: (platform) => ({ ACCESS_POLICY: "pairing", ADMINS: ADMIN, WHATSAPP_API_URL: platform.url }),
  });
  const from = async (number: string, text: string) => {
    const raw = metaJson(whatsappDelivery({ messages: [whatsappMessage({ from: number, text })] }));
    const response = await wa.ingress(
      httpApiEvent({ method: "POST", path: "/whatsapp", headers: deliveryHeaders(raw), body: raw }),
      lambdaContext({ timeoutMs: 10_000 }),
    );
    expect(response.statusCode).toBe(200);
    await wa.work();
  };

  test("an admin who has not written within 24 hours is not written to; one who has is asked", async () => {
    await from("4915100000001", "hello?");
    expect(wa.platform.sent("4915100000001")).toEqual([expect.stringContaining("ask for access")]);
    expect(wa.platform.sent(ADMIN)).toEqual([]);
    await from(ADMIN, "hi bot");
    await from("4915100000002", "me too");
    const code = codeIn(wa.platform.sent("4915100000002")[0]);
    expect(wa.platform.sent(ADMIN).at(-1)).toContain(`/allow ${code}`);
    await from(ADMIN, `/allow ${code}`);
    expect(wa.platform.sent("4915100000002").at(-1)).toBe(accessTexts.allowedUser);
  });
});
