/**
 * Workers killed mid-stream on Slack and Discord, as stream-kills.ts does it for Telegram: the built worker
 * bundle in a child `node` process with the send ledger, an agent streaming its answer (Python SDK bytes, a
 * few seconds long, some answers past the platform's message limit), each way the channel shows an answer
 * growing (Slack: its native stream in an assistant thread, and a message updated as it grows at a DM's top
 * level; Discord: a slash command's `@original` edited as it grows, and a gateway message's reply edited
 * the same way). Each run kills the worker while the answer shows growing (after a random number of
 * visible states and a random delay), sometimes the retry too; the next attempt finishes. Then the
 * conversation must show the answer the ledger kept, once, whole, with no stream left open; last, the
 * finished message is delivered again: nothing may be sent.
 *
 * A kill between the platform taking a message (a post, a stream's start) and the ledger recording it
 * leaves that message orphaned: such runs are found from the ledger at the kill and counted apart
 * (*unknowable*), as for Telegram; what the user sees then is in RELIABILITY.md.
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { SQSEvent } from "aws-lambda";
import { agentStreams } from "../../emulators/agent-streams.ts";
import { httpApiEvent } from "../../emulators/api-gateway.ts";
import type { EnvVars } from "../../emulators/aws-env.ts";
import { type FakeDiscord, startDiscord } from "../../emulators/discord.ts";
import { commandInteraction } from "../../emulators/discord-interactions.ts";
import { pollSqsOnce } from "../../emulators/lambda.ts";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  type FakeSlack,
  slackEventCallback,
  slackHeaders,
  slackMessageEvent,
  slackTs,
  startSlack,
} from "../../emulators/slack.ts";
import {
  DEFAULT_APP_SECRET,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WHATSAPP_TOKEN,
  deliveryHeaders,
  metaJson,
  startWhatsApp,
  whatsappDelivery,
  whatsappMessage,
} from "../../emulators/whatsapp.ts";
import { ENVELOPE_VERSION, type Envelope } from "../../handlers/core/envelope.ts";
import { renderChunks } from "../../handlers/core/text/split.ts";
import { markdownToDiscord } from "../../handlers/discord/format.ts";
import { markdownToSlackMrkdwn } from "../../handlers/slack/format.ts";
import { markdownToWhatsApp } from "../../handlers/whatsapp/format.ts";
import { WHATSAPP_LIMIT } from "../../handlers/whatsapp/outbox.ts";
import { type LocalDynamo, startDynamo } from "../harness/dynamodb.ts";
import { readSlack } from "../harness/slack-read.ts";
import { type FakeStack, startFakeStack } from "../harness/stack.ts";
import { NodeFunction } from "./lambda-node.ts";
import type { LogCapture } from "./logs.ts";
import { Rng } from "./rng.ts";
import { answerOf, inOrder, pieces } from "./stream-answers.ts";

/** The size of a run. */
export interface PlatformKillConfig {
  readonly seed: number;
  /** Runs per channel. */
  readonly runs: number;
}

/** What the runs on one channel found. */
export interface PlatformKillFigures {
  readonly channel: string;
  readonly runs: number;
  /** Runs per way of showing the answer growing (e.g. Slack `stream`, `update`). */
  readonly kinds: Readonly<Record<string, number>>;
  /** Runs whose answer took more than one message (one a fifth of the answers is ~5,000 characters). */
  readonly multiPart: number;
  /** Worker processes killed while the answer showed growing; of them, where the ledger did not know a message. */
  readonly kills: number;
  readonly killsUnknowable: number;
  readonly finishedFirst: number;
  readonly askedAgain: number;
  readonly resumed: number;
  /** Runs showing exactly the answer, once. */
  readonly oneAnswer: number;
  /** Runs with more messages than the answer has, where the ledger knew every message (must be 0), and where not. */
  readonly duplicated: number;
  readonly duplicatedUnknowable: number;
  /** Runs lacking part of the answer or showing another answer's text (must be 0). */
  readonly lost: number;
  /** Messages still streaming after the answer was delivered (Slack streams never stopped; must be 0 when knowable). */
  readonly leftOpen: number;
  readonly leftOpenUnknowable: number;
  readonly redelivered: number;
  readonly redeliveredSends: number;
  readonly redeliveredAgentCalls: number;
  readonly visibleStates: number;
  readonly samples: readonly string[];
  readonly ms: number;
}

/** One run's conversation. */
interface Chat {
  readonly run: number;
  readonly kind: string;
  /** Where its messages are (a Slack DM channel, a Discord channel). */
  readonly where: string;
  readonly envelopeId: string;
  readonly answers: readonly string[];
  readonly streamMs: readonly number[];
}

/** How the runner drives one channel. */
interface Driver {
  readonly channel: string;
  readonly kinds: readonly string[];
  /** The env the worker needs for the fake, on top of the stack's. */
  readonly env: EnvVars;
  /** Delivers the user's message for run `run` (to the ingress, or queued as the relay queues it). */
  deliver(run: number, kind: string): Promise<{ where: string; envelopeId: string }>;
  /** Visible states (a message, an edit, a stream's start or append) in `where`; `arriving`: with those in flight. */
  visible(where: string, arriving?: boolean): number;
  /** Calls that change what the user sees, in all (for the redelivery check). */
  changes(): number;
  /** The texts of the bot's messages in `where`, oldest first, as they read at the end. */
  shown(where: string): string[];
  /** The texts an answer ends as. */
  expected(markdown: string): string[];
  /** Messages in `where` still streaming. */
  open(where: string): number;
  /** Resolves once the platform answered a visible call in `where` beyond `before` (or the worker finished). */
  waitVisible(where: string, before: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

const TABLE = "stream-kills-platforms";

/** Runs the kill scenarios on Slack and Discord; one figure set per channel. */
export async function runPlatformKills(
  config: PlatformKillConfig,
  logs: LogCapture,
  channels: readonly string[] = ["slack", "discord", "whatsapp"],
): Promise<PlatformKillFigures[]> {
  const out: PlatformKillFigures[] = [];
  for (const channel of channels) out.push(await runChannel(channel, config, logs));
  return out;
}

async function runChannel(
  channel: string,
  config: PlatformKillConfig,
  logs: LogCapture,
): Promise<PlatformKillFigures> {
  const started = performance.now();
  const dynamo = await startDynamo();
  await dynamo.createLedgerTable(TABLE);
  let ingress: NodeFunction | undefined;
  // One function instance takes one request at a time (a status webhook may come while a message does).
  let ingressFree: Promise<unknown> = Promise.resolve();
  const viaIngress: Invoke = (event) => {
    const turn = ingressFree.then(() => (ingress as NodeFunction).invoke(event));
    ingressFree = turn.catch(() => undefined);
    return turn;
  };
  const made =
    channel === "slack"
      ? await slackDriver(viaIngress)
      : channel === "discord"
        ? await discordDriver(viaIngress)
        : await whatsappDriver(viaIngress);
  const { stack, driver } = made;
  const env = stack.env({
    ...driver.env,
    LEDGER_TABLE: TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    LOG_LEVEL: "info",
  });
  const fn = (bundle: string, source: string) =>
    new NodeFunction({ bundle, env, timeoutMs: 30_000, output: (text) => logs.add(source, text) });
  ingress = fn(`modules/${channel}/dist/ingress.mjs`, `ingress:${channel} (stream kills)`);
  const worker = fn(`modules/${channel}/dist/worker.mjs`, `worker:${channel} (stream kills)`);
  const rng = new Rng(config.seed + channel.length);
  const counts = {
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
    leftOpen: 0,
    leftOpenUnknowable: 0,
    redelivered: 0,
    redeliveredSends: 0,
    redeliveredAgentCalls: 0,
    visibleStates: 0,
  };
  const kinds: Record<string, number> = {};
  const samples: string[] = [];
  try {
    for (let run = 0; run < config.runs; run++) {
      stack.reset();
      driver.reset();
      const kind = driver.kinds[run % driver.kinds.length] as string;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      const long = rng.chance(0.2);
      const answers = [0, 1, 2].map((n) =>
        answerOf(rng, `r${run}a${n}`, long ? rng.range(700, 800) : rng.range(30, 70)),
      );
      const streamMs = answers.map((answer) => {
        const parts = pieces(answer, long ? 12 : rng.range(1, 3));
        const chunkDelayMs = rng.range(25, 60);
        stack.agentcore.script(agentStreams.python(parts, { chunkDelayMs }));
        return parts.length * chunkDelayMs;
      });
      const delivered = await driver.deliver(run, kind);
      const chat: Chat = { run, kind, ...delivered, answers, streamMs };

      // The attempts: the first killed once the answer shows, a third of the retries too.
      let body: string | undefined;
      let unknowable = false;
      for (let attempt = 0; ; attempt++) {
        const kill = attempt === 0 || (attempt === 1 && rng.chance(0.3));
        const before = driver.visible(chat.where, true);
        const invocationsBefore = stack.agentcore.invocations().length;
        const killAfterMs = Math.floor(rng.float() * 1.2 * (streamMs[Math.min(invocationsBefore, 2)] ?? 0));
        const poll = await pollSqsOnce(
          stack.sqs,
          stack.queue.queueUrl,
          stack.queue.queueArn,
          async (event: SQSEvent) => {
            body ??= event.Records[0]?.body;
            const running = worker.invoke(event);
            if (kill) {
              const first = await Promise.race([
                running.then(() => "finished" as const),
                driver.waitVisible(chat.where, before).then(() => "shown" as const),
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
        if (!poll.invoked) throw new Error(`${channel} run ${run}: the message was not on the queue`);
        if (attempt > 0) {
          if (stack.agentcore.invocations().length > invocationsBefore) counts.askedAgain += 1;
          else counts.resumed += 1;
        }
        if (poll.deleted.length === 1) {
          if (kill) counts.finishedFirst += 1;
          break;
        }
        counts.kills += 1;
        await Bun.sleep(50);
        if (await unknownToLedger(dynamo, chat, driver)) {
          unknowable = true;
          counts.killsUnknowable += 1;
        }
        if (attempt > 5) throw new Error(`${channel} run ${run}: no attempt finished`);
      }

      // What the conversation shows: the answer of the last invocation, once, whole.
      counts.visibleStates += driver.visible(chat.where);
      const expected = driver.expected(answers[stack.agentcore.invocations().length - 1] ?? "");
      if (expected.length > 1) counts.multiPart += 1;
      const shown = driver.shown(chat.where);
      const label = `${channel} run ${run} (${kind})`;
      if (JSON.stringify(shown) === JSON.stringify(expected)) counts.oneAnswer += 1;
      else if (shown.length > expected.length && inOrder(shown, expected)) {
        if (unknowable) counts.duplicatedUnknowable += 1;
        else {
          counts.duplicated += 1;
          samples.push(`${label}: ${shown.length} messages for ${expected.length} parts`);
        }
      } else {
        counts.lost += 1;
        samples.push(`${label}: the conversation does not show the answer whole`);
      }
      if (driver.open(chat.where) > 0) {
        if (unknowable) counts.leftOpenUnknowable += 1;
        else {
          counts.leftOpen += 1;
          samples.push(`${label}: a stream left open`);
        }
      }

      // The finished message delivered again: nothing may be shown or asked.
      if (body === undefined) throw new Error(`${label}: no message body to deliver again`);
      const changes = driver.changes();
      const invocations = stack.agentcore.invocations().length;
      await stack.sqs.send(stack.queue.queueUrl, body, { groupId: `again-${run}` });
      const again = await pollSqsOnce(
        stack.sqs,
        stack.queue.queueUrl,
        stack.queue.queueArn,
        async (event) => {
          const outcome = await worker.invoke(event);
          if (outcome.kind !== "returned") throw new Error(`the worker was ${outcome.kind}`);
          return outcome.result;
        },
      );
      if (again.deleted.length !== 1) throw new Error(`${label}: the redelivered message was not handled`);
      counts.redelivered += 1;
      counts.redeliveredSends += driver.changes() - changes;
      counts.redeliveredAgentCalls += stack.agentcore.invocations().length - invocations;
    }
  } finally {
    ingress.close();
    worker.close();
    await Promise.all([stack.close(), driver.close(), dynamo.close()]);
  }
  return {
    channel,
    runs: config.runs,
    kinds,
    ...counts,
    samples: samples.slice(0, 10),
    ms: Math.round(performance.now() - started),
  };
}

/** Whether `where` shows a message the send ledger does not know of (the kill fell after the post, before the record). */
async function unknownToLedger(dynamo: LocalDynamo, chat: Chat, driver: Driver): Promise<boolean> {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: TABLE, Key: { id: { S: chat.envelopeId } }, ConsistentRead: true }),
  );
  if (Item?.complete?.BOOL === true) return false;
  const delivered = Number(Item?.delivered?.N ?? 0);
  const known = new Set([
    ...Array.from({ length: delivered }, (_, i) => i),
    ...Object.keys(Item?.refs?.M ?? {}).map(Number),
  ]);
  return driver.shown(chat.where).length > known.size;
}

type Invoke = (event: unknown) => Promise<{ kind: string; result?: unknown }>;

/**
 * Slack: `stream` runs write in an assistant thread of a DM (chat.startStream / appendStream / stopStream),
 * `update` runs at the DM's top level (chat.postMessage, then chat.update as it grows).
 */
async function slackDriver(invoke: Invoke): Promise<{ stack: FakeStack; driver: Driver }> {
  const [stack, slack] = await Promise.all([
    startFakeStack({
      secret: { value: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET } },
      queue: { name: "stream-kills-slack", maxReceiveCount: 10 },
    }),
    startSlack(),
  ]);
  const VISIBLE = new Set([
    "chat.postMessage",
    "chat.update",
    "chat.startStream",
    "chat.appendStream",
    "chat.stopStream",
    "chat.delete",
  ]);
  const okIn = (fake: FakeSlack, where: string, arriving: boolean) =>
    fake.calls.filter(
      (c) =>
        VISIBLE.has(c.method) &&
        c.params.channel === where &&
        ((c.response?.body as { ok?: boolean } | undefined)?.ok === true ||
          (arriving && c.response === undefined)),
    ).length;
  const driver: Driver = {
    channel: "slack",
    kinds: ["stream", "update"],
    env: { ALLOWED_USERS: "*", SLACK_API_URL: slack.url },
    async deliver(run, kind) {
      const where = `D0KILL${String(run).padStart(4, "0")}`;
      const event = slackMessageEvent({
        text: `run ${run}`,
        user: "U0HUMAN001",
        channel: where,
        ...(kind === "stream" ? { threadTs: slackTs() } : {}),
      });
      const payload = slackEventCallback(event);
      const body = JSON.stringify(payload);
      const outcome = await invoke(
        httpApiEvent({ method: "POST", path: "/slack/events", headers: slackHeaders(body), body }),
      );
      const status = (outcome.result as { statusCode?: number } | undefined)?.statusCode;
      if (status !== 200) throw new Error(`the Slack ingress answered ${status ?? outcome.kind}`);
      return { where, envelopeId: `slack:${payload.event_id}` };
    },
    visible: (where, arriving = false) => okIn(slack, where, arriving),
    changes: () => slack.calls.filter((c) => VISIBLE.has(c.method)).length,
    // A stream ended with a part's Markdown reads as that part's mrkdwn.
    shown: (where) => readSlack(slack, where),
    expected: (markdown) => renderChunks(markdown, markdownToSlackMrkdwn, 4000),
    open: (where) =>
      slack.messages.filter((m) => m.channel === where && m.streaming_state === "in_progress").length,
    waitVisible: (where, before) =>
      slack
        .waitFor(() => okIn(slack, where, true) > before || undefined, 20_000)
        .then(
          () => undefined,
          () => undefined,
        ),
    reset: () => slack.reset(),
    close: () => slack.close(),
  };
  return { stack, driver };
}

let discordMessageId = 1_400_000_000_000_000_000n;

/**
 * Discord: `interaction` runs ask by slash command (the deferred `@original` edited as it grows), `gateway`
 * runs by a channel message the relay queued (the bot's reply posted, then edited as it grows).
 */
async function discordDriver(invoke: Invoke): Promise<{ stack: FakeStack; driver: Driver }> {
  const ROUTE = "/discord/interactions";
  const USER = "100000000000000001";
  const discord: FakeDiscord = await startDiscord({
    transport: async (_url, request) => {
      const outcome = await invoke(
        httpApiEvent({ method: "POST", path: ROUTE, headers: request.headers, body: request.body }),
      );
      const result = outcome.result as { statusCode?: number; body?: string } | undefined;
      return { status: result?.statusCode ?? 500, body: result?.body ?? "" };
    },
  });
  const stack = await startFakeStack({
    secret: {
      value: {
        application_id: discord.applicationId,
        public_key: discord.signer.publicKeyHex,
        bot_token: discord.botToken,
      },
    },
    queue: { name: "stream-kills-discord", maxReceiveCount: 10 },
  });
  const VISIBLE = /^(POST|PATCH|DELETE) \/(webhooks|channels)\//;
  const channelOfCall = new Map<string, string>();
  const okIn = (where: string, arriving: boolean) =>
    discord.calls.filter(
      (c) =>
        VISIBLE.test(c.route) &&
        (c.params.channel === where || channelOfCall.get(c.params.token ?? "") === where) &&
        (c.response?.status === 200 || c.response?.status === 204 || (arriving && c.response === undefined)),
    ).length;
  const driver: Driver = {
    channel: "discord",
    kinds: ["interaction", "gateway"],
    env: {
      ALLOWED_USERS: USER,
      DISCORD_API_URL: discord.url,
      DISCORD_PUBLIC_KEY: discord.signer.publicKeyHex,
    },
    async deliver(run, kind) {
      const where = String(300_000_000_000_100_000n + BigInt(run));
      if (kind === "interaction") {
        const interaction = commandInteraction({
          applicationId: discord.applicationId,
          name: "ask",
          prompt: `run ${run}`,
          userId: USER,
          channelId: where,
        });
        channelOfCall.set(interaction.token, where);
        const response = await discord.deliver(interaction, { url: `https://api.example${ROUTE}` });
        if (response.status !== 200) throw new Error(`the Discord ingress answered ${response.status}`);
        return { where, envelopeId: `discord:${interaction.id}` };
      }
      const id = String(++discordMessageId);
      const envelope: Envelope = {
        v: ENVELOPE_VERSION,
        channel: "discord",
        eventId: id,
        conversation: where,
        user: { id: USER },
        text: `run ${run}`,
        attachments: [],
        reply: { kind: "message", channelId: where, messageId: id, guildId: "400000000000000001" },
        receivedAt: Date.now(),
      };
      await stack.sqs.send(stack.queue.queueUrl, JSON.stringify(envelope), { groupId: `discord:${where}` });
      return { where, envelopeId: `discord:${id}` };
    },
    visible: (where, arriving = false) => okIn(where, arriving),
    changes: () => discord.calls.filter((c) => VISIBLE.test(c.route)).length,
    shown: (where) => discord.sent(where),
    expected: (markdown) => renderChunks(markdown, markdownToDiscord, 2000),
    open: () => 0,
    waitVisible: (where, before) =>
      discord
        .waitFor(() => okIn(where, true) > before || undefined, 20_000)
        .then(
          () => undefined,
          () => undefined,
        ),
    reset: () => {
      discord.reset();
      channelOfCall.clear();
    },
    close: () => discord.close(),
  };
  return { stack, driver };
}

/**
 * WhatsApp (Cloud API): no edits, so the answer is held until the agent is done and sent whole (in parts
 * past 4,096 characters). The kill comes at a random moment from the start of the attempt (while the agent
 * writes, or while the parts go out); Meta's status webhooks reach the ingress, as the ledger expects.
 */
async function whatsappDriver(invoke: Invoke): Promise<{ stack: FakeStack; driver: Driver }> {
  const [stack, whatsapp] = await Promise.all([
    startFakeStack({
      secret: {
        value: {
          access_token: DEFAULT_WHATSAPP_TOKEN,
          app_secret: DEFAULT_APP_SECRET,
          verify_token: "stream-kills-verify-token",
          phone_number_id: DEFAULT_PHONE_NUMBER_ID,
        },
      },
      queue: { name: "stream-kills-whatsapp", maxReceiveCount: 10 },
    }),
    startWhatsApp(),
  ]);
  const post = async (body: string, headers: Record<string, string>) => {
    const outcome = await invoke(httpApiEvent({ method: "POST", path: "/whatsapp", headers, body }));
    return (outcome.result as { statusCode?: number } | undefined)?.statusCode ?? 500;
  };
  const sendsTo = (where: string, arriving = false) =>
    whatsapp.calls.filter(
      (c) =>
        c.kind === "send" &&
        String(c.params.to) === where &&
        (c.response?.status === 200 || (arriving && c.response === undefined)),
    );
  const driver: Driver = {
    channel: "whatsapp",
    kinds: ["held to the end"],
    env: { ALLOWED_USERS: "*", WHATSAPP_API_URL: whatsapp.url },
    async deliver(run) {
      const where = `1555077${String(run).padStart(4, "0")}`;
      const message = whatsappMessage({ from: where, text: `run ${run}` });
      const body = metaJson(whatsappDelivery({ messages: [message], name: "Ada" }));
      const status = await post(body, deliveryHeaders(body));
      if (status !== 200) throw new Error(`the WhatsApp ingress answered ${status}`);
      return { where, envelopeId: `whatsapp:${message.id}` };
    },
    visible: (where, arriving = false) => sendsTo(where, arriving).length,
    changes: () => whatsapp.calls.filter((c) => c.kind === "send").length,
    shown: (where) =>
      sendsTo(where).map((c) => String((c.params.text as { body?: unknown } | undefined)?.body ?? "")),
    expected: (markdown) => renderChunks(markdown, markdownToWhatsApp, WHATSAPP_LIMIT),
    open: () => 0,
    // Nothing shows while the agent writes: the kill's moment is counted from the attempt's start.
    waitVisible: async () => {},
    reset: () => {
      whatsapp.reset();
      whatsapp.setStatusWebhook(post);
    },
    close: () => whatsapp.close(),
  };
  return { stack, driver };
}
