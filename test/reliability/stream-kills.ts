/**
 * Workers killed mid-stream, on the Telegram path: the built ingress and worker bundles in child `node`
 * processes with the send ledger, an agent streaming its answer (Python SDK bytes, a few seconds long,
 * some answers past Telegram's 4,096 characters), private chats (drafts) and groups (a message edited as
 * it grows). Each run kills the worker while the chat shows the answer growing (after a random number of
 * visible states and a random delay), sometimes the retry too; the next attempt finishes. Then the chat
 * must show one answer, whole: the messages of the answer the ledger kept (the retry's when the agent was
 * asked again, else the first one's), nothing twice, no draft left. Last, the finished message is
 * delivered again (SQS at-least-once, a DLQ redrive): nothing may be sent.
 *
 * A kill between Telegram taking a message and the ledger recording it leaves that message twice (the
 * Bot API has no idempotency key and cannot be read back; handlers/telegram/README.md): such runs are
 * found from the ledger at the kill and counted apart, as the fault simulation counts them.
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { SQSEvent } from "aws-lambda";
import { agentStreams } from "../../emulators/agent-streams.ts";
import { httpApiEvent } from "../../emulators/api-gateway.ts";
import { pollSqsOnce } from "../../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN, type TelegramCall, telegramTextUpdate } from "../../emulators/telegram.ts";
import { parseEntities } from "../../emulators/telegram-entities.ts";
import { renderChunks } from "../../handlers/core/text/split.ts";
import { markdownToTelegramHtml } from "../../handlers/telegram/format.ts";
import { startDynamo } from "../harness/dynamodb.ts";
import { startFakeStack } from "../harness/stack.ts";
import { NodeFunction } from "./lambda-node.ts";
import type { LogCapture } from "./logs.ts";
import { Rng } from "./rng.ts";

/** The size of a run. */
export interface StreamKillConfig {
  readonly seed: number;
  readonly runs: number;
}

/** What the runs found. */
export interface StreamKillFigures {
  readonly runs: number;
  readonly privateChats: number;
  readonly groups: number;
  /** Runs whose answer was longer than one message. */
  readonly multiPart: number;
  /** Worker processes killed while the chat showed the answer growing. */
  readonly kills: number;
  /** …of them between Telegram taking a message and the ledger recording it (the Bot API cannot tell). */
  readonly killsUnknowable: number;
  /** Attempts that finished before their kill came (not counted as kills). */
  readonly finishedFirst: number;
  /** Retries that asked the agent again (nothing of the answer recorded) and that resumed the recorded one. */
  readonly askedAgain: number;
  readonly resumed: number;
  /** Runs whose chat showed exactly the answer, once. */
  readonly oneAnswer: number;
  /** Runs with a message twice, where the outcome was knowable (must be 0), and where it was not. */
  readonly duplicated: number;
  readonly duplicatedUnknowable: number;
  /** Runs whose chat lacked part of the answer or showed another answer's text (must be 0). */
  readonly lost: number;
  /** Drafts still showing after the answer was delivered (must be 0). */
  readonly draftsLeft: number;
  /** Finished answers delivered again, and the Telegram sends and agent calls that caused (must be 0). */
  readonly redelivered: number;
  readonly redeliveredSends: number;
  readonly redeliveredAgentCalls: number;
  /** Visible states (drafts, messages, edits) the chats showed, in all. */
  readonly visibleStates: number;
  readonly samples: readonly string[];
  readonly ms: number;
}

const SECRET = "stream-kills-webhook-secret";
const BOT = "RelayBot";
const USER = 4242;
const TABLE = "stream-kills-ledger";
/** Calls that change what the chat shows. */
const VISIBLE = new Set(["sendMessageDraft", "sendMessage", "editMessageText", "deleteMessage"]);
const LOREM =
  "the worker reads the agent as it writes and shows each new state of the answer in place until it is done".split(
    " ",
  );

/** An answer in Markdown with the run's token, `words` long, in paragraphs with some formatting. */
function answerOf(rng: Rng, token: string, words: number): string {
  const out: string[] = [`**${token}**`];
  for (let i = 0; i < words; i++) {
    const word = rng.pick(LOREM);
    out.push(rng.chance(0.04) ? `\`${word}\`` : rng.chance(0.04) ? `*${word}*` : word);
    if (rng.chance(0.05)) out.push("\n\n");
  }
  return out.join(" ").replace(/ ?\n\n ?/g, "\n\n");
}

/** The answer as the agent streams it: pieces of a few words. */
function pieces(text: string, size: number): string[] {
  const words = text.split(/(?<=\s)(?=\S)/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(""));
  return out;
}

/** The texts Telegram shows for an answer: its parts, rendered, without markup. */
function shownTexts(markdown: string): string[] {
  return renderChunks(markdown, markdownToTelegramHtml, 4096).map((html) => {
    const parsed = parseEntities(html, "HTML");
    return parsed.ok ? parsed.text : html;
  });
}

/** Whether `want` is, in order, within `have`. */
function inOrder(have: readonly string[], want: readonly string[]): boolean {
  let at = 0;
  for (const text of have) if (text === want[at]) at += 1;
  return at === want.length;
}

/** Runs the kill scenarios and returns what they found. */
export async function runStreamKills(config: StreamKillConfig, logs: LogCapture): Promise<StreamKillFigures> {
  const started = performance.now();
  const rng = new Rng(config.seed);
  const [stack, dynamo] = await Promise.all([
    startFakeStack({
      secret: { value: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: SECRET } },
      telegram: { botUsername: BOT },
      queue: { name: "stream-kills", maxReceiveCount: 10 },
    }),
    startDynamo(),
  ]);
  await dynamo.createLedgerTable(TABLE);
  const env = stack.env({
    ALLOWED_USERS: "*",
    LEDGER_TABLE: TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    LOG_LEVEL: "info",
  });
  const fn = (bundle: string, source: string) =>
    new NodeFunction({ bundle, env, timeoutMs: 30_000, output: (text) => logs.add(source, text) });
  const ingress = fn("modules/telegram/dist/ingress.mjs", "ingress:telegram (stream kills)");
  const worker = fn("modules/telegram/dist/worker.mjs", "worker:telegram (stream kills)");

  const counts = {
    privateChats: 0,
    groups: 0,
    multiPart: 0,
    kills: 0,
    killsUnknowable: 0,
    finishedFirst: 0,
    askedAgain: 0,
    resumed: 0,
    oneAnswer: 0,
    duplicated: 0,
    duplicatedUnknowable: 0,
    lost: 0,
    draftsLeft: 0,
    redelivered: 0,
    redeliveredSends: 0,
    redeliveredAgentCalls: 0,
    visibleStates: 0,
  };
  const samples: string[] = [];
  const ledgerEntry = async (id: string) => {
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } }, ConsistentRead: true }),
    );
    return {
      complete: Item?.complete?.BOOL === true,
      delivered: Number(Item?.delivered?.N ?? 0),
      refs: Object.keys(Item?.refs?.M ?? {}).map(Number),
    };
  };

  try {
    for (let run = 0; run < config.runs; run++) {
      stack.reset();
      const group = rng.chance(0.4);
      const chatId = group ? -100_500_000 - run : 500_000 + run;
      const long = rng.chance(0.2);
      if (group) counts.groups += 1;
      else counts.privateChats += 1;
      if (long) counts.multiPart += 1;
      // The answers of the agent's invocations, in order: each attempt that asks gets the next one.
      const answers = [0, 1, 2].map((n) =>
        answerOf(rng, `r${run}a${n}`, long ? rng.range(700, 800) : rng.range(30, 70)),
      );
      const streams = answers.map((answer) => {
        const parts = pieces(answer, long ? 12 : rng.range(1, 3));
        const chunkDelayMs = rng.range(25, 60);
        stack.agentcore.script(agentStreams.python(parts, { chunkDelayMs }));
        return { ms: parts.length * chunkDelayMs };
      });
      const update = telegramTextUpdate({
        text: group ? `@${BOT} run ${run}` : `run ${run}`,
        updateId: 900_000 + run,
        messageId: 900_000 + run,
        userId: USER,
        ...(group ? { chatId } : { userId: chatId }),
      });
      if (group)
        Object.assign(update.message ?? {}, {
          entities: [{ type: "mention", offset: 0, length: BOT.length + 1 }],
        });
      const accepted = await ingress.invoke(
        httpApiEvent({
          method: "POST",
          path: "/telegram",
          headers: { "x-telegram-bot-api-secret-token": SECRET },
          body: JSON.stringify(update),
        }),
      );
      const status =
        accepted.kind === "returned" ? (accepted.result as { statusCode?: number }).statusCode : 0;
      if (status !== 200) throw new Error(`the ingress answered ${status ?? accepted.kind}`);
      const envelopeId = `telegram:${update.update_id}`;
      const inChat = (c: TelegramCall) => String(c.params.chat_id) === String(chatId);
      /** Visible states the chat showed (`arriving`: with the ones whose answer is on its way). */
      const visible = (calls: readonly TelegramCall[], arriving = false) =>
        calls.filter(
          (c) =>
            inChat(c) &&
            VISIBLE.has(c.method) &&
            (c.response?.status === 200 || (arriving && c.response === undefined)),
        ).length;

      // Attempts: the first is killed mid-stream, a third of the retries too; then one finishes.
      let body: string | undefined;
      let unknowable = false;
      for (let attempt = 0; ; attempt++) {
        const kill = attempt === 0 || (attempt === 1 && rng.chance(0.3));
        const statesBefore = visible(stack.telegram.calls);
        const invocationsBefore = stack.agentcore.invocations().length;
        // Killed at a random moment of the answer's stream (counted from its first visible state), some
        // once the agent is done and the final messages go out.
        const stream = streams[Math.min(stack.agentcore.invocations().length, 2)];
        const killAfterMs = Math.floor(rng.float() * 1.2 * (stream?.ms ?? 0));
        const poll = await pollSqsOnce(
          stack.sqs,
          stack.queue.queueUrl,
          stack.queue.queueArn,
          async (event: SQSEvent) => {
            body ??= event.Records[0]?.body;
            const running = worker.invoke(event);
            if (kill) {
              const shown = stack.telegram.waitFor((calls) => visible(calls, true) > statesBefore, 20_000);
              const first = await Promise.race([
                running.then(() => "finished" as const),
                shown.then(() => "shown" as const),
              ]);
              if (first === "shown") {
                await Bun.sleep(killAfterMs);
                if (worker.busy) worker.kill("mid-stream");
              }
            }
            const outcome = await running;
            if (outcome.kind === "returned") return outcome.result;
            throw new Error(`the worker was ${outcome.kind}`);
          },
        );
        if (!poll.invoked) throw new Error(`run ${run}: the message was not on the queue`);
        if (attempt > 0) {
          if (stack.agentcore.invocations().length > invocationsBefore) counts.askedAgain += 1;
          else counts.resumed += 1;
        }
        if (poll.deleted.length === 1) {
          if (kill) counts.finishedFirst += 1;
          break;
        }
        counts.kills += 1;
        // What the killed process may still have had in flight arrives; then: does the ledger know every
        // message in the chat?
        await Bun.sleep(50);
        const entry = await ledgerEntry(envelopeId);
        const known = new Set([...Array.from({ length: entry.delivered }, (_, i) => i), ...entry.refs]);
        const posted = stack.telegram.messages.filter((m) => String(m.chat.id) === String(chatId)).length;
        if (!entry.complete && posted > known.size) {
          unknowable = true;
          counts.killsUnknowable += 1;
        }
        if (attempt > 5) throw new Error(`run ${run}: no attempt finished`);
      }

      // The chat: the answer of the last invocation (the one the ledger kept), once, whole.
      counts.visibleStates += visible(stack.telegram.calls);
      const expected = shownTexts(answers[stack.agentcore.invocations().length - 1] ?? "");
      const chat = stack.telegram.messages
        .filter((m) => String(m.chat.id) === String(chatId))
        .map((m) => ("text" in m ? (m.text ?? "") : ""));
      if (JSON.stringify(chat) === JSON.stringify(expected)) counts.oneAnswer += 1;
      else if (chat.length > expected.length && inOrder(chat, expected)) {
        if (unknowable) counts.duplicatedUnknowable += 1;
        else {
          counts.duplicated += 1;
          samples.push(
            `run ${run} (${group ? "group" : "private"}): ${chat.length} messages for ${expected.length} parts`,
          );
        }
      } else {
        counts.lost += 1;
        samples.push(`run ${run} (${group ? "group" : "private"}): the chat does not show the answer whole`);
      }
      if (stack.telegram.drafts(chatId).length > 0) counts.draftsLeft += 1;

      // Delivered again once finished: nothing may reach the chat or the agent.
      if (body !== undefined) {
        const calls = stack.telegram.calls.length;
        const invocations = stack.agentcore.invocations().length;
        await stack.sqs.send(stack.queue.queueUrl, body, { groupId: `again-${run}` });
        await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, async (event: SQSEvent) => {
          const outcome = await worker.invoke(event);
          if (outcome.kind !== "returned") throw new Error(`the worker was ${outcome.kind}`);
          return outcome.result;
        });
        counts.redelivered += 1;
        counts.redeliveredSends += stack.telegram.calls
          .slice(calls)
          .filter((c) => VISIBLE.has(c.method)).length;
        counts.redeliveredAgentCalls += stack.agentcore.invocations().length - invocations;
      }
    }
  } finally {
    ingress.close();
    worker.close();
    await Promise.all([stack.close(), dynamo.close()]);
  }
  return {
    runs: config.runs,
    ...counts,
    samples: samples.slice(0, 10),
    ms: Math.round(performance.now() - started),
  };
}
