/**
 * Streamed answers on Telegram, end to end through the built bundles with the send ledger on: the agent
 * streams (the AgentCore emulator writes each framework's bytes), the worker shows the answer growing —
 * drafts in a private chat, a message edited as it grows in a group — under the emulator's draft rules
 * and flood control, and the final messages are the non-streaming rendering. A worker killed mid-stream
 * (a real process, killed) leaves, after the retry, one answer: the same messages, edited.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { agentStreams, words } from "../emulators/agent-streams.ts";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { pollSqsOnce } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN, telegramErrors, telegramTextUpdate } from "../emulators/telegram.ts";
import { parseEntities } from "../emulators/telegram-entities.ts";
import { renderChunks } from "../handlers/core/text/split.ts";
import { markdownToTelegramHtml } from "../handlers/telegram/format.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { NodeFunction } from "./reliability/lambda-node.ts";

const SECRET = "stream-webhook-secret";
const USER = 1001;
const GROUP = -1004242;
const { stack, ingress, work, pollOnce } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: SECRET },
  telegram: { botUsername: "RelayBot" },
  ledger: "stream-ledger",
  env: () => ({ ALLOWED_USERS: "*" }),
});
let updateId = 70_000;

/** A message from the user: in the private chat, or (addressed to the bot) in the group. */
async function deliver(text: string, chat: "private" | "group" = "private") {
  const group = chat === "group";
  const update = telegramTextUpdate({
    text: group ? `@RelayBot ${text}` : text,
    updateId: ++updateId,
    messageId: updateId,
    userId: USER,
    ...(group ? { chatId: GROUP } : {}),
  });
  if (group)
    update.message = { ...update.message, entities: [{ type: "mention", offset: 0, length: 9 }] } as never;
  const response = await ingress(
    httpApiEvent({
      method: "POST",
      path: "/telegram",
      headers: { "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(update),
    }),
  );
  expect(response.statusCode).toBe(200);
}

const ANSWER =
  "Here is **the plan** for today:\n\n1. Read the *logs*\n2. Fix the `LEDGER_TABLE` setting\n3. Deploy again\n\nThat should do it — tell me how it goes.";
const html = (md: string) => renderChunks(md, markdownToTelegramHtml, 4096);
const calls = (method: string) => stack.telegram.callsOf(method);
const ok = (method: string) => calls(method).filter((c) => c.response?.status === 200);
const limited = () => stack.telegram.calls.filter((c) => c.response?.status === 429);

describe("a private chat: drafts", () => {
  test("the answer grows as a draft, then arrives as one message in HTML; the draft is gone", async () => {
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 80 }));
    await deliver("plan please");
    await work();
    const drafts = ok("sendMessageDraft").map((c) => String(c.params.text));
    expect(drafts.length).toBeGreaterThanOrEqual(3);
    // Each draft shows more than the one before, in HTML Telegram accepts, and none is the raw Markdown.
    for (const [i, text] of drafts.entries()) {
      expect(parseEntities(text, "HTML").ok).toBe(true);
      expect(text).not.toContain("**");
      if (i > 0) expect(text.length).toBeGreaterThanOrEqual((drafts[i - 1] ?? "").length);
    }
    // One draft id for the whole (one-part) answer: Telegram animates its updates.
    expect(new Set(ok("sendMessageDraft").map((c) => c.params.draft_id)).size).toBe(1);
    expect(stack.telegram.sent(USER)).toEqual(html(ANSWER));
    expect(stack.telegram.drafts(USER)).toEqual([]);
    expect(calls("editMessageText")).toEqual([]);
    expect(limited()).toEqual([]);
  });

  test("drafts are paced: at most one every 500 ms", async () => {
    stack.agentcore.script(agentStreams.typescript(words(ANSWER), { chunkDelayMs: 40 }));
    await deliver("fast");
    await work();
    const at = calls("sendMessageDraft").map((c) => c.at);
    for (let i = 1; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(450);
  });

  test("an answer in one piece (a JSON body) is sent as a message, no draft first", async () => {
    stack.agentcore.script(agentReply.json({ response: ANSWER }));
    await deliver("json");
    await work();
    expect(calls("sendMessageDraft")).toEqual([]);
    expect(stack.telegram.sent(USER)).toEqual(html(ANSWER));
  });

  test("a long answer crosses 4096 mid-stream: the full part is sent as it fills, the rest drafts on; the messages are the non-streaming ones", async () => {
    const long = Array.from(
      { length: 40 },
      (_, i) => `Paragraph ${i}: **bold ${i}** and \`code\` — ${"lorem ipsum dolor sit amet ".repeat(8)}`,
    ).join("\n\n");
    stack.agentcore.script(agentStreams.python(words(long), { chunkDelayMs: 150, chunkBytes: 2048 }));
    await deliver("long");
    await work();
    const expected = html(long);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(stack.telegram.sent(USER)).toEqual(expected);
    // The first part went out before the answer was complete: drafts of the second part came after it.
    const firstSend = calls("sendMessage")[0]?.at ?? 0;
    expect(calls("sendMessageDraft").some((c) => c.at > firstSend)).toBe(true);
    for (const c of calls("sendMessageDraft")) expect(String(c.params.text).length).toBeLessThanOrEqual(4096);
  });

  test("where drafts are refused (an old Bot API): edits instead, and this container does not try drafts again", async () => {
    stack.telegram.script("sendMessageDraft", {
      status: 404,
      body: { ok: false, error_code: 404, description: "Not Found" },
    });
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 100 }));
    await deliver("old api");
    await work();
    expect(calls("sendMessageDraft")).toHaveLength(1);
    expect(ok("editMessageText").length).toBeGreaterThanOrEqual(1);
    expect(stack.telegram.messages.map((m) => ("text" in m ? m.text : ""))).toEqual(
      html(ANSWER).map((h) => (parseEntities(h, "HTML") as { text: string }).text),
    );
    stack.telegram.reset();
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 100 }));
    await deliver("again");
    await work();
    expect(calls("sendMessageDraft")).toEqual([]);
    expect(ok("editMessageText").length).toBeGreaterThanOrEqual(1);
  });
});

describe("a group: one message, edited as it grows", () => {
  test("posted as a reply, edited at most every 3.1 s, final text as the non-streaming one", async () => {
    const answer = words(`${ANSWER} ${ANSWER}`);
    stack.agentcore.script(agentStreams.strandsPython(answer, { chunkDelayMs: 90 }));
    await deliver("group plan", "group");
    await work();
    const [first] = calls("sendMessage");
    expect(first?.params).toMatchObject({ chat_id: GROUP, reply_parameters: { message_id: updateId } });
    expect(calls("sendMessage")).toHaveLength(1);
    expect(calls("sendMessageDraft")).toEqual([]);
    const edits = ok("editMessageText");
    expect(edits.length).toBeGreaterThanOrEqual(1);
    const at = [first?.at ?? 0, ...edits.map((c) => c.at)];
    // The last edit (the final text) goes as soon as the agent is done; the live ones keep their pace of
    // 3.1 s, counted between sends, so a call that reached the platform late (a busy machine) shortens the
    // gap after it by that delay: 20 a minute stays the bound, with room for it.
    for (let i = 1; i < at.length - 1; i++)
      expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(2_800);
    expect(String(edits.at(-1)?.params.text)).toBe(html(answer.join(""))[0] ?? "");
    expect(limited()).toEqual([]);
  }, 20_000);

  test("429 on an edit: retry_after waited out, the answer still completes", async () => {
    stack.telegram.script("editMessageText", telegramErrors.tooManyRequests(1));
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 300 }));
    await deliver("busy group", "group");
    await work();
    expect(calls("editMessageText").some((c) => c.response?.status === 429)).toBe(true);
    expect(stack.telegram.messages.map((m) => ("text" in m ? m.text : ""))).toEqual(
      html(ANSWER).map((h) => (parseEntities(h, "HTML") as { text: string }).text),
    );
  }, 20_000);

  test("an agent stream that breaks midway: retried, the same message edited to the new answer", async () => {
    stack.agentcore.script(
      agentStreams.python(["A partial ", "answer that ", "breaks"], {
        breakAfterChunks: 2,
        chunkDelayMs: 50,
      }),
    );
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 20 }));
    await deliver("fragile", "group");
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(2);
    expect(calls("sendMessage")).toHaveLength(1);
    expect(stack.telegram.messages).toHaveLength(1);
    expect(String(ok("editMessageText").at(-1)?.params.text)).toBe(html(ANSWER)[0] ?? "");
  });
});

describe("the send ledger with streams", () => {
  test("redelivered after the streamed answer completed: nothing sent again", async () => {
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 20 }));
    await deliver("once", "group");
    const first = await pollOnce();
    expect(first.deleted).toHaveLength(1);
    const before = stack.telegram.calls.length;
    // The same record again (SQS at-least-once, a DLQ redrive).
    await stack.sqs.send(stack.queue.queueUrl, first.event.Records[0]?.body ?? "", { groupId: "g" });
    await work();
    expect(stack.telegram.calls.slice(before).filter((c) => c.method !== "sendChatAction")).toEqual([]);
    expect(stack.agentcore.invocations()).toHaveLength(1);
  });

  const fn = new NodeFunction({
    bundle: "modules/telegram/dist/worker.mjs",
    env: { ...process.env },
    timeoutMs: 30_000,
    output: () => {},
  });
  afterAll(() => fn.close());

  test("group: killed after a long answer's second part was posted; the retry's answer is shorter: its one message, the extra part removed", async () => {
    const long = Array.from(
      { length: 30 },
      (_, i) => `Paragraph ${i}: ${"lorem ipsum dolor sit amet ".repeat(12)}`,
    ).join("\n\n");
    stack.agentcore.script(agentStreams.python(words(long), { chunkDelayMs: 200, chunkBytes: 512 }));
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 10 }));
    await deliver("long, then killed", "group");
    const poll = await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, async (event) => {
      const running = fn.invoke(event);
      await stack.telegram.waitFor(
        (all) => all.filter((c) => c.method === "sendMessage").length >= 2,
        15_000,
      );
      // Killed after the ledger recorded where part 2 is (killed between the post and that record, the
      // Bot API cannot tell the retry it exists: see handlers/telegram/README.md).
      await Bun.sleep(300);
      fn.kill();
      throw new Error(`the worker was ${(await running).kind}`);
    });
    expect(poll.failed).toHaveLength(1);
    expect(stack.telegram.messages).toHaveLength(2);
    await work();
    expect(ok("deleteMessage")).toHaveLength(1);
    expect(stack.telegram.messages.map((m) => ("text" in m ? m.text : ""))).toEqual(
      html(ANSWER).map((h) => (parseEntities(h, "HTML") as { text: string }).text),
    );
    expect(stack.telegram.messages[0]?.message_id).toBe(1);
  }, 30_000);

  for (const chat of ["group", "private"] as const) {
    test(`${chat}: a worker killed mid-stream leaves, after the retry, one answer (the agent's new one)`, async () => {
      const first = `The first attempt's answer, which the worker never finishes: ${"it is killed while it streams this to the chat. ".repeat(6)}`;
      stack.agentcore.script(agentStreams.python(words(first), { chunkDelayMs: 150 }));
      stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 10 }));
      await deliver("kill me", chat);
      const shown = chat === "group" ? "sendMessage" : "sendMessageDraft";
      // One invocation in a real process, killed once the chat shows the answer growing.
      const poll = await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, async (event) => {
        const running = fn.invoke(event);
        const growing =
          (method: string, n: number) =>
          (all: readonly { method: string; response?: { status: number } }[]) =>
            all.filter((c) => c.method === method && c.response?.status === 200).length >= n;
        await stack.telegram.waitFor(growing(shown, chat === "group" ? 1 : 2), 10_000);
        if (chat === "group") await stack.telegram.waitFor(growing("editMessageText", 1), 10_000);
        fn.kill();
        const outcome = await running;
        throw new Error(`the worker was ${outcome.kind}`);
      });
      expect(poll.failed).toHaveLength(1);
      await work();
      expect(stack.agentcore.invocations()).toHaveLength(2);
      // One message in the chat, the new answer's; in the group it is the message the first attempt posted.
      expect(stack.telegram.messages.map((m) => ("text" in m ? m.text : ""))).toEqual(
        html(ANSWER).map((h) => (parseEntities(h, "HTML") as { text: string }).text),
      );
      expect(calls("sendMessage")).toHaveLength(1);
      expect(stack.telegram.drafts()).toEqual([]);
    }, 30_000);
  }
});
