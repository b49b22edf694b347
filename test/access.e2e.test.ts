/**
 * Access control end to end, on Telegram, through the built bundles with the embedded DynamoDB: pairing
 * (approved by command and by button, denied, expired, replayed, by the wrong person), strangers in
 * groups, revoked users, rate limits and the daily cap, with the invariant checked after every test
 * that no one outside the policy reached the agent.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN, telegramTextUpdate } from "../emulators/telegram.ts";
import { accessTexts } from "../handlers/core/access/texts.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";

const WEBHOOK_SECRET = "webhook-secret_0123456789";
const TABLE = "access-ledger";
const ADMIN = 1;
const ALLOWED = 1001;
const CAP = 50;

const { stack, ingress, work, dynamo } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: WEBHOOK_SECRET },
  telegram: { botUsername: "RelayBot" },
  ledger: TABLE,
  env: () => ({
    ACCESS_POLICY: "pairing",
    ADMINS: String(ADMIN),
    ALLOWED_USERS: String(ALLOWED),
    RATE_LIMIT_PER_MINUTE: "3",
    RATE_LIMIT_PER_DAY: "100",
    DAILY_INVOCATION_CAP: String(CAP),
  }),
});

/** Users who may reach the agent, as the tests allow them. */
const allowed = new Set([String(ADMIN), String(ALLOWED)]);
/** Groups allowed by an admin (every member may talk there). */
const allowedGroups = new Set<string>();
afterEach(() => {
  // The invariant: no one outside the policy ever reaches the agent.
  for (const call of stack.agentcore.invocations()) {
    const payload = call.payload as { user: { id: string }; conversation: string };
    const inAllowedGroup = allowedGroups.has(payload.conversation);
    expect({ user: payload.user.id, allowed: allowed.has(payload.user.id) || inAllowedGroup }).toEqual({
      user: payload.user.id,
      allowed: true,
    });
  }
});

let updateId = 9000;
async function webhook(update: unknown) {
  const response = await ingress(
    httpApiEvent({
      method: "POST",
      path: "/telegram",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
      body: JSON.stringify(update),
    }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
  return response;
}
/** A message from `userId` in their private chat (or in `chatId`, a group), then the worker over the queue. */
async function say(userId: number, text: string, chatId = userId) {
  const update = telegramTextUpdate({ text, userId, chatId, updateId: ++updateId, messageId: updateId });
  if (chatId < 0 && !text.startsWith("/")) {
    // Addressed in the group: a mention of the bot.
    const mention = `@RelayBot ${text}`;
    update.message = {
      ...update.message,
      text: mention,
      entities: [{ type: "mention", offset: 0, length: 9 }],
    } as never;
  }
  expect((await webhook(update)).statusCode).toBe(200);
  await work();
}
const lastTo = (chatId: number) => stack.telegram.sent(chatId).at(-1);
const codeIn = (text: string | undefined) => /\b([0-9A-Z]{6})\b/.exec(text ?? "")?.[1] ?? "";
const prompts = () => stack.agentcore.invocations().map((c) => (c.payload as { prompt: string }).prompt);

describe("pairing", () => {
  test("a stranger gets a code, the admin a request with buttons in their own chat; /allow lets them in", async () => {
    const stranger = 5001;
    await say(stranger, "hello?");
    const code = codeIn(lastTo(stranger));
    expect(lastTo(stranger)).toBe(accessTexts.pairing(code));
    const request = stack.telegram.messages.find((m) => m.chat.id === ADMIN);
    expect(request?.text).toContain(`/allow ${code}`);
    expect(request?.text).toContain(String(stranger));
    expect((request as { reply_markup?: unknown } | undefined)?.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: "Allow", callback_data: `/allow ${code}` },
          { text: "Deny", callback_data: `/deny ${code}` },
        ],
      ],
    });
    await say(stranger, "anyone there?");
    expect(stack.telegram.sent(stranger)).toHaveLength(1); // the code once; then nothing while it is valid
    expect(stack.agentcore.invocations()).toEqual([]);

    await say(ADMIN, `/allow ${code.toLowerCase()}`);
    expect(lastTo(ADMIN)).toStartWith("Allowed Ada");
    expect(lastTo(stranger)).toBe(accessTexts.allowedUser);
    allowed.add(String(stranger));
    await say(stranger, "now?");
    expect(prompts()).toEqual(["now?"]);
    await say(ADMIN, `/allow ${code}`); // replayed
    expect(lastTo(ADMIN)).toBe(accessTexts.unknownCode);
  });

  test("the admin presses Allow: the press is answered at once, and the stranger let in", async () => {
    const stranger = 5002;
    await say(stranger, "hi");
    const code = codeIn(lastTo(stranger));
    const request = stack.telegram.messages.find((m) => m.chat.id === ADMIN);
    const press = stack.telegram.press({
      userId: ADMIN,
      chatId: ADMIN,
      messageId: request?.message_id ?? 0,
      data: `/allow ${code}`,
    });
    const response = await webhook(press);
    expect(response.statusCode).toBe(200);
    await stack.telegram.webhookReply(
      response.body,
      response.headers?.["content-type"] as string | undefined,
    );
    expect(stack.telegram.callsOf("answerCallbackQuery").map((c) => c.response?.status)).toEqual([200]);
    await work();
    expect(lastTo(ADMIN)).toStartWith("Allowed Ada");
    expect(lastTo(stranger)).toBe(accessTexts.allowedUser);
    allowed.add(String(stranger));
  });

  test("denied: the stranger is not told, and hears nothing more while the request stands", async () => {
    const stranger = 5003;
    await say(stranger, "hi");
    const code = codeIn(lastTo(stranger));
    await say(ADMIN, `/deny ${code}`);
    expect(lastTo(ADMIN)).toContain("Denied");
    await say(stranger, "please?");
    expect(stack.telegram.sent(stranger)).toEqual([accessTexts.pairing(code)]);
    await say(ADMIN, `/allow ${code}`);
    expect(lastTo(ADMIN)).toBe(accessTexts.unknownCode);
  });

  test("an expired code is refused; the stranger may ask again", async () => {
    const stranger = 5004;
    await say(stranger, "hi");
    const code = codeIn(lastTo(stranger));
    await expire(code, stranger);
    await say(ADMIN, `/allow ${code}`);
    expect(lastTo(ADMIN)).toBe(accessTexts.unknownCode);
    await say(stranger, "hi again");
    const again = codeIn(lastTo(stranger));
    expect([again === code, lastTo(stranger)]).toEqual([false, accessTexts.pairing(again)]);
  });

  test("the wrong admin: an allowed user is told it is for admins, a stranger gets their own code", async () => {
    const stranger = 5005;
    await say(stranger, "hi");
    const code = codeIn(lastTo(stranger));
    await say(ALLOWED, `/allow ${code}`);
    expect(lastTo(ALLOWED)).toBe(accessTexts.adminsOnly);
    const other = 5006;
    await say(other, `/allow ${code}`);
    expect(codeIn(lastTo(other))).not.toBe(code);
    await say(stranger, "still me");
    expect(stack.telegram.sent(stranger)).toHaveLength(1);
    expect(stack.agentcore.invocations()).toEqual([]);
  });

  test("revoked: back to a stranger, asked about again", async () => {
    const user = 5007;
    await say(user, "hi");
    await say(ADMIN, `/allow ${codeIn(lastTo(user))}`);
    allowed.add(String(user));
    await say(ADMIN, "/users");
    expect(lastTo(ADMIN)).toContain(`(${user})`);
    await say(ADMIN, `/revoke ${user}`);
    allowed.delete(String(user));
    expect(lastTo(ADMIN)).toBe(`Revoked ${user}.`);
    await say(user, "am I in?");
    expect(lastTo(user)).toBe(accessTexts.pairing(codeIn(lastTo(user))));
    expect(stack.agentcore.invocations()).toEqual([]);
  });
});

describe("groups", () => {
  test("an unknown group: strangers and allowed users get a code, the admin is told /allow; once allowed, every member", async () => {
    const group = -100777;
    await say(5010, "hello bot", group);
    const code = codeIn(lastTo(group));
    expect(lastTo(group)).toBe(accessTexts.groupPairing(code));
    await say(ALLOWED, "and me?", group);
    await say(ADMIN, "hi", group);
    expect(lastTo(group)).toBe(accessTexts.groupNotEnabled);
    expect(stack.agentcore.invocations()).toEqual([]);
    await say(ADMIN, `/allow ${code}`);
    expect(lastTo(group)).toBe(accessTexts.allowedGroup);
    allowedGroups.add(String(group));
    await say(5010, "what now?", group);
    expect(prompts()).toEqual(["what now?"]);
  });

  test("a stranger in a group the admin enabled with /allow in it", async () => {
    const group = -100778;
    await say(ADMIN, "/allow", group);
    expect(lastTo(group)).toBe(accessTexts.allowedGroup);
    allowedGroups.add(String(group));
    await say(5011, "hi all", group);
    expect(prompts()).toEqual(["hi all"]);
    // Chatter not addressed to the bot is dropped at the ingress (GROUP_POLICY is mention).
    await webhook(
      telegramTextUpdate({ text: "just chatting", userId: 5011, chatId: group, updateId: ++updateId }),
    );
    await work();
    expect(prompts()).toEqual(["hi all"]);
  });
});

describe("spend", () => {
  test("over the per-minute limit: told once, nothing reaches the agent; admins exempt", async () => {
    // The limit counts per clock minute: start in one with room for the whole test.
    await minuteWithRoom(15_000);
    for (const text of ["1", "2", "3", "4", "5"]) await say(ALLOWED, text);
    expect(prompts()).toEqual(["1", "2", "3"]);
    expect(stack.telegram.sent(ALLOWED).slice(3)).toEqual([accessTexts.rateLimited("minute")]);
    for (const text of ["a", "b", "c", "d"]) await say(ADMIN, text);
    expect(prompts()).toHaveLength(7);
  });

  test("the daily cap: users told once, the admins alerted once, admins still answered", async () => {
    await setInvocationsToday(CAP);
    await say(5007 + 1000, "x"); // a stranger: not an invocation, not capped
    await say(ADMIN, "over the cap");
    expect(prompts()).toEqual(["over the cap"]);
    expect(stack.telegram.sent(ADMIN).filter((t) => t.includes("cap of"))).toHaveLength(1);
    const user = 5012;
    allowed.add(String(user));
    await grant(user);
    await say(user, "one");
    await say(user, "two");
    expect(stack.telegram.sent(user)).toEqual([accessTexts.capped]);
    expect(prompts()).toEqual(["over the cap"]);
  });
});

/** Ages a pairing request (and the stranger's record of it) past its hour, as time would. */
async function expire(code: string, stranger: number) {
  const past = { ":past": { N: String(Date.now() - 1) } };
  for (const [id, attribute] of [
    [`pair:telegram:${code}`, "expires"],
    [`user:telegram:${stranger}`, "codeExpires"],
  ] as const) {
    await dynamo.client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { id: { S: id } },
        UpdateExpression: `SET ${attribute} = :past`,
        ExpressionAttributeValues: past,
      }),
    );
  }
}

/** Waits for the next minute when this one has too little left for a test that counts within a minute. */
async function minuteWithRoom(roomMs: number) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < roomMs) await Bun.sleep(left + 10);
}

/** The deployment made `n` invocations today, as far as the cap counter knows. */
async function setInvocationsToday(n: number) {
  await dynamo.client.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: { id: { S: `cap:telegram:${Math.floor(Date.now() / 86_400_000)}` }, n: { N: String(n) } },
    }),
  );
}

/** A grant made by the owner's command line, as `bun run access allow` writes it. */
async function grant(user: number) {
  const { dynamoAccessStore } = await import("../handlers/core/access/store.ts");
  await dynamoAccessStore(TABLE, "telegram", () => dynamo.client).grant(
    { kind: "user", id: String(user) },
    { at: Date.now(), by: "cli" },
  );
}
