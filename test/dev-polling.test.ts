/**
 * `TELEGRAM_BOT_TOKEN=… bun run dev`: a real bot from a laptop, by long polling. Here the "real"
 * Bot API is the fake one (TELEGRAM_API_URL), so the test shows the whole path: the webhook is
 * deleted first, getUpdates brings the user's message, it goes through the same ingress and
 * worker as a webhook, and the reply reaches the bot's chat.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEV_CHANNELS } from "../dev/channels/index.ts";
import { type DevStack, startDevStack } from "../dev/stack.ts";
import { type FakeTelegram, startTelegram, telegramTextUpdate } from "../emulators/telegram.ts";

const TOKEN = "777000:real-bot-token-for-the-polling-test";
let telegram: FakeTelegram;
let stack: DevStack;
const warnings: string[] = [];
const warn = console.warn;

beforeAll(async () => {
  telegram = await startTelegram({ tokens: [TOKEN], strictWebhookUrl: false });
  // The bot is deployed: it has a webhook.
  await fetch(`${telegram.url}/bot${TOKEN}/setWebhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: "https://example.execute-api.us-east-1.amazonaws.com/telegram" }),
  });
  console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
  stack = await startDevStack({
    channels: DEV_CHANNELS.filter((c) => c.name === "telegram"),
    port: 0,
    print: false,
    env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_URL: telegram.url, ALLOWED_USERS: "55" },
  });
}, 30_000); // a thread per channel: seconds on a loaded machine

afterAll(async () => {
  console.warn = warn;
  await stack?.close();
  await telegram.close();
});

test("the webhook is deleted with a clear warning, and a polled message is answered", async () => {
  expect(telegram.webhook).toBeUndefined();
  expect(warnings.join("\n")).toContain("Deleting it to poll from here");

  telegram.queueUpdate(
    telegramTextUpdate({ text: "from my phone", updateId: 4242, messageId: 1, userId: 55 }),
  );
  const reply = await telegram.waitFor(
    (calls) =>
      calls.find((c) => c.method === "sendMessage" && String(c.params.text).includes("from my phone")),
    10_000,
  );
  expect(reply.token).toBe(TOKEN);
  expect(reply.params.chat_id).toBe(55);
  expect((await stack.timeline.settled("telegram:4242")).status).toBe("done");
  // The update was confirmed (offset moved past it): it is not answered twice.
  await Bun.sleep(500);
  expect(
    telegram.callsOf("sendMessage").filter((c) => String(c.params.text).includes("from my phone")),
  ).toHaveLength(1);
}, 20_000);

test("a real bot answers only ALLOWED_USERS: anyone else gets the refusal, never the agent", async () => {
  telegram.queueUpdate(telegramTextUpdate({ text: "hi stranger", updateId: 4243, messageId: 2, userId: 66 }));
  const refusal = await telegram.waitFor(
    (calls) => calls.find((c) => c.method === "sendMessage" && c.params.chat_id === 66),
    10_000,
  );
  expect(String(refusal.params.text)).toContain("not allowed");
  expect((await stack.timeline.settled("telegram:4243")).status).toBe("refused");
}, 20_000);
