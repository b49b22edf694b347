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
import { type LocalDynamo, startDynamo } from "../harness/dynamodb.ts";
import { type FakeStack, startFakeStack } from "../harness/stack.ts";
import { NodeFunction } from "./lambda-node.ts";
import type { LogCapture } from "./logs.ts";
import { Rng } from "./rng.ts";
import { answerOf, inOrder, pieces, shownTexts } from "./stream-answers.ts";

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
/** The figures a run adds to. */
type Tally = { -readonly [K in Exclude<keyof StreamKillFigures, "runs" | "samples" | "ms">]: number };

/** What every run uses: the fakes, the ledger, the two functions, the dice and the tally. */
interface Bed {
  readonly stack: FakeStack;
  readonly dynamo: LocalDynamo;
  readonly ingress: NodeFunction;
  readonly worker: NodeFunction;
  readonly rng: Rng;
  readonly counts: Tally;
  readonly samples: string[];
}

/** One run's chat. */
interface Chat {
  readonly run: number;
  readonly id: number;
  readonly group: boolean;
  /** The agent's answers, one per invocation, and how long each streams (ms). */
  readonly answers: readonly string[];
  readonly streamMs: readonly number[];
}

/** Runs the kill scenarios and returns what they found. */
export async function runStreamKills(config: StreamKillConfig, logs: LogCapture): Promise<StreamKillFigures> {
  const started = performance.now();
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
  const bed: Bed = {
    stack,
    dynamo,
    ingress: fn("modules/telegram/dist/ingress.mjs", "ingress:telegram (stream kills)"),
    worker: fn("modules/telegram/dist/worker.mjs", "worker:telegram (stream kills)"),
    rng: new Rng(config.seed),
    counts: {
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
    },
    samples: [],
  };
  try {
    for (let run = 0; run < config.runs; run++) {
      stack.reset();
      const chat = newChat(bed, run);
      await deliver(bed, chat);
      const { body, unknowable } = await killAndRetry(bed, chat);
      judge(bed, chat, unknowable);
      await redeliver(bed, chat, body);
    }
  } finally {
    bed.ingress.close();
    bed.worker.close();
    await Promise.all([stack.close(), dynamo.close()]);
  }
  return {
    runs: config.runs,
    ...bed.counts,
    samples: bed.samples.slice(0, 10),
    ms: Math.round(performance.now() - started),
  };
}

/** A private chat or a group, and the answers the agent streams there, scripted on the fake. */
function newChat(bed: Bed, run: number): Chat {
  const { rng, counts } = bed;
  const group = rng.chance(0.4);
  const long = rng.chance(0.2);
  if (group) counts.groups += 1;
  else counts.privateChats += 1;
  if (long) counts.multiPart += 1;
  const answers = [0, 1, 2].map((n) =>
    answerOf(rng, `r${run}a${n}`, long ? rng.range(700, 800) : rng.range(30, 70)),
  );
  const streamMs = answers.map((answer) => {
    const parts = pieces(answer, long ? 12 : rng.range(1, 3));
    const chunkDelayMs = rng.range(25, 60);
    bed.stack.agentcore.script(agentStreams.python(parts, { chunkDelayMs }));
    return parts.length * chunkDelayMs;
  });
  return { run, id: group ? -100_500_000 - run : 500_000 + run, group, answers, streamMs };
}

const inChat = (chat: Chat) => (c: TelegramCall) => String(c.params.chat_id) === String(chat.id);

/** Visible states the chat showed (`arriving`: with the ones whose answer is on its way). */
function visible(chat: Chat, calls: readonly TelegramCall[], arriving = false): number {
  return calls
    .filter(inChat(chat))
    .filter(
      (c) => VISIBLE.has(c.method) && (c.response?.status === 200 || (arriving && c.response === undefined)),
    ).length;
}

/** The texts of the bot's messages in the chat, oldest first. */
function messagesIn(bed: Bed, chat: Chat): string[] {
  return bed.stack.telegram.messages
    .filter((m) => String(m.chat.id) === String(chat.id))
    .map((m) => ("text" in m ? (m.text ?? "") : ""));
}

const envelopeIdOf = (chat: Chat) => `telegram:${900_000 + chat.run}`;

/** The user's message, through the ingress onto the queue. */
async function deliver(bed: Bed, chat: Chat): Promise<void> {
  const update = telegramTextUpdate({
    text: chat.group ? `@${BOT} run ${chat.run}` : `run ${chat.run}`,
    updateId: 900_000 + chat.run,
    messageId: 900_000 + chat.run,
    userId: USER,
    ...(chat.group ? { chatId: chat.id } : { userId: chat.id }),
  });
  if (chat.group)
    Object.assign(update.message ?? {}, {
      entities: [{ type: "mention", offset: 0, length: BOT.length + 1 }],
    });
  const accepted = await bed.ingress.invoke(
    httpApiEvent({
      method: "POST",
      path: "/telegram",
      headers: { "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(update),
    }),
  );
  const status = accepted.kind === "returned" ? (accepted.result as { statusCode?: number }).statusCode : 0;
  if (status !== 200) throw new Error(`the ingress answered ${status ?? accepted.kind}`);
}

/**
 * The worker's attempts: the first is killed mid-stream, a third of the retries too; then one finishes.
 * Resolves to the queued message's body and whether a kill fell where the Bot API cannot tell.
 */
async function killAndRetry(
  bed: Bed,
  chat: Chat,
): Promise<{ body: string | undefined; unknowable: boolean }> {
  const { stack, worker, rng, counts } = bed;
  let body: string | undefined;
  let unknowable = false;
  for (let attempt = 0; ; attempt++) {
    const kill = attempt === 0 || (attempt === 1 && rng.chance(0.3));
    const statesBefore = visible(chat, stack.telegram.calls);
    const invocationsBefore = stack.agentcore.invocations().length;
    // Killed at a random moment of the answer's stream (counted from its first visible state), some
    // once the agent is done and the final messages go out.
    const killAfterMs = Math.floor(rng.float() * 1.2 * (chat.streamMs[Math.min(invocationsBefore, 2)] ?? 0));
    const poll = await pollSqsOnce(
      stack.sqs,
      stack.queue.queueUrl,
      stack.queue.queueArn,
      async (event: SQSEvent) => {
        body ??= event.Records[0]?.body;
        const running = worker.invoke(event);
        if (kill) {
          const shown = stack.telegram.waitFor((calls) => visible(chat, calls, true) > statesBefore, 20_000);
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
    if (!poll.invoked) throw new Error(`run ${chat.run}: the message was not on the queue`);
    if (attempt > 0) {
      if (stack.agentcore.invocations().length > invocationsBefore) counts.askedAgain += 1;
      else counts.resumed += 1;
    }
    if (poll.deleted.length === 1) {
      if (kill) counts.finishedFirst += 1;
      return { body, unknowable };
    }
    counts.kills += 1;
    // What the killed process may still have had in flight arrives; then: does the ledger know every
    // message in the chat?
    await Bun.sleep(50);
    if (await unknownToLedger(bed, chat)) {
      unknowable = true;
      counts.killsUnknowable += 1;
    }
    if (attempt > 5) throw new Error(`run ${chat.run}: no attempt finished`);
  }
}

/** Whether the chat has a message the send ledger does not know of (the kill fell after the post, before the record). */
async function unknownToLedger(bed: Bed, chat: Chat): Promise<boolean> {
  const { Item } = await bed.dynamo.client.send(
    new GetItemCommand({ TableName: TABLE, Key: { id: { S: envelopeIdOf(chat) } }, ConsistentRead: true }),
  );
  if (Item?.complete?.BOOL === true) return false;
  const delivered = Number(Item?.delivered?.N ?? 0);
  const known = new Set([
    ...Array.from({ length: delivered }, (_, i) => i),
    ...Object.keys(Item?.refs?.M ?? {}).map(Number),
  ]);
  return messagesIn(bed, chat).length > known.size;
}

/** The chat must show the answer of the last invocation (the one the ledger kept), once, whole. */
function judge(bed: Bed, chat: Chat, unknowable: boolean): void {
  const { stack, counts, samples } = bed;
  counts.visibleStates += visible(chat, stack.telegram.calls);
  const expected = shownTexts(chat.answers[stack.agentcore.invocations().length - 1] ?? "");
  const shown = messagesIn(bed, chat);
  const where = `run ${chat.run} (${chat.group ? "group" : "private"})`;
  if (JSON.stringify(shown) === JSON.stringify(expected)) counts.oneAnswer += 1;
  else if (shown.length > expected.length && inOrder(shown, expected)) {
    if (unknowable) counts.duplicatedUnknowable += 1;
    else {
      counts.duplicated += 1;
      samples.push(`${where}: ${shown.length} messages for ${expected.length} parts`);
    }
  } else {
    counts.lost += 1;
    samples.push(`${where}: the chat does not show the answer whole`);
  }
  if (stack.telegram.drafts(chat.id).length > 0) counts.draftsLeft += 1;
}

/** The finished message delivered again: nothing may reach the chat or the agent. */
async function redeliver(bed: Bed, chat: Chat, body: string | undefined): Promise<void> {
  const { stack, worker, counts } = bed;
  if (body === undefined) throw new Error(`run ${chat.run}: no message body to deliver again`);
  const calls = stack.telegram.calls.length;
  const invocations = stack.agentcore.invocations().length;
  await stack.sqs.send(stack.queue.queueUrl, body, { groupId: `again-${chat.run}` });
  const again = await pollSqsOnce(
    stack.sqs,
    stack.queue.queueUrl,
    stack.queue.queueArn,
    async (event: SQSEvent) => {
      const outcome = await worker.invoke(event);
      if (outcome.kind !== "returned") throw new Error(`the worker was ${outcome.kind}`);
      return outcome.result;
    },
  );
  if (again.deleted.length !== 1) throw new Error(`run ${chat.run}: the redelivered message was not handled`);
  counts.redelivered += 1;
  counts.redeliveredSends += stack.telegram.calls.slice(calls).filter((c) => VISIBLE.has(c.method)).length;
  counts.redeliveredAgentCalls += stack.agentcore.invocations().length - invocations;
}
