/**
 * The personal WhatsApp account: the relay's real code with a fake WhatsApp socket (Baileys' shapes),
 * fauxqs, the BUILT WhatsApp-personal worker bundle and the echo agent. Allowed users and strangers
 * write in direct chats and groups — addressed to the account by phone number or hidden id, mentioning
 * it, using the trigger word, replying to the owner, chatting, sending commands, borrowing an allowed
 * user's name — and a share of the strangers' messages is also put on the queue directly, as a relay
 * that let them through would. Every send of the account is attributed: nothing may go to a stranger.
 * It runs in a process of its own (`bun test/reliability/personal.ts`), as the relay does: a fresh
 * environment and fresh module-level AWS clients, its log lines captured like the workers'.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQSEvent } from "aws-lambda";
import type { WAMessage } from "baileys";
import * as v from "valibot";
import { FAKE_AGENT_RUNTIME_ARN, type FakeAgentCore, startAgentCore } from "../../emulators/agentcore.ts";
import { awsTestEnv } from "../../emulators/aws-env.ts";
import { drain, lambdaContext } from "../../emulators/lambda.ts";
import { type LocalSqs, startSqs } from "../../emulators/sqs.ts";
import { type Relay, startRelay } from "../../relay/start.ts";
import { eventually, memoryStore } from "../../relay/testing.ts";
import { whatsappAccess } from "../../relay/whatsapp/access.ts";
import { MessageSchema, toEnvelope } from "../../relay/whatsapp/inbound.ts";
import { FAKE_ME, FakeWhatsApp, waText } from "../../relay/whatsapp/testing.ts";
import { loadBundle } from "../harness/bundles.ts";
import { setEnv } from "../harness/env.ts";
import type { LogCapture } from "./logs.ts";
import { Rng } from "./rng.ts";

type WorkerHandler = (event: SQSEvent, context: unknown) => Promise<unknown>;

/** What the personal account did. */
export interface PersonalFigures {
  /** Messages WhatsApp delivered to the relay. */
  readonly messages: number;
  /** Of those, from allowed users and addressed to the account: each must be answered. */
  readonly addressed: number;
  readonly addressedAnswered: number;
  /** From allowed users but not addressed (group chatter, replies to the owner): never answered. */
  readonly unaddressed: number;
  readonly unaddressedAnswered: number;
  /** From strangers, in every form; and strangers' envelopes put on the queue past the relay. */
  readonly strangerMessages: number;
  readonly strangerEnvelopesInjected: number;
  /** Strangers' messages the relay queued: must be 0. */
  readonly strangersQueued: number;
  /** Sends of the account (text or typing) to a stranger, or quoting or answering one: must be 0. */
  readonly strangersAnswered: number;
  /** Agent calls for a stranger: must be 0. */
  readonly strangerAgentCalls: number;
  readonly ms: number;
}

const TRIGGER = "!ai";
const OWNER_MENTION = { text: `@${FAKE_ME.id.split(":")[0]}`, jid: FAKE_ME.id.replace(/:\d+/, "") };

interface Planned {
  readonly message: WAMessage;
  readonly token: string;
  readonly kind: "addressed" | "unaddressed" | "stranger";
}

/** A phone-number JID and a hidden id, per person index. */
const phone = (i: number) => `49155${String(1_000_000 + i).padStart(7, "0")}@s.whatsapp.net`;
const hidden = (i: number) => `${88_000_000_000_000 + i}@lid`;

/**
 * Plans `count` messages: allowed users 0–9 (listed by phone number; 8 and 9 by hidden id), strangers
 * from 100 on; groups 0–3 mixed, 4–5 strangers only.
 */
function plan(count: number, rng: Rng): Planned[] {
  const out: Planned[] = [];
  const group = (g: number) => `1203630000000000${String(g).padStart(2, "0")}@g.us`;
  for (let n = 0; n < count; n++) {
    const token = `t${n}x${rng.int(1e9).toString(36)}`;
    const allowed = rng.int(10);
    const stranger = 100 + rng.int(40);
    const mixed = group(rng.int(4));
    const strangers = group(4 + rng.int(2));
    const addressing = rng.pick(["mention", "trigger"] as const);
    const addressedText = addressing === "mention" ? `${OWNER_MENTION.text} ${token}` : `${TRIGGER} ${token}`;
    const mentions = addressing === "mention" ? [OWNER_MENTION.jid] : undefined;
    const allowedJid = allowed >= 8 ? hidden(allowed) : phone(allowed);
    const choice = rng.int(12);
    const m = (kind: Planned["kind"], message: WAMessage) => out.push({ message, token, kind });
    switch (choice) {
      case 0:
        m("addressed", waText({ chatJid: allowedJid, text: `hello ${token}` }));
        break;
      case 1: {
        // Addressed by hidden id, the number alongside: allowed under whichever of the two the list names.
        const message = waText({ chatJid: hidden(allowed), text: `by lid ${token}` });
        message.key.remoteJidAlt = phone(allowed);
        m("addressed", message);
        break;
      }
      case 2:
        m("addressed", waText({ chatJid: mixed, participant: allowedJid, text: addressedText, mentions }));
        break;
      case 3:
        m(
          "unaddressed",
          waText({
            chatJid: mixed,
            participant: allowedJid,
            text: `re ${token}`,
            quotedParticipant: FAKE_ME.id,
          }),
        );
        break;
      case 4:
        m("unaddressed", waText({ chatJid: mixed, participant: allowedJid, text: `chatter ${token}` }));
        break;
      case 5:
        m(
          "stranger",
          waText({
            chatJid: phone(stranger),
            text: rng.pick([`hi ${token}`, `/help ${token}`, `/new ${token}`]),
          }),
        );
        break;
      case 6: {
        // A stranger known only by hidden id, or by hidden id with their own number alongside.
        const message = waText({ chatJid: hidden(stranger), text: `lid ${token}` });
        if (rng.chance(0.5)) message.key.remoteJidAlt = phone(stranger);
        m("stranger", message);
        break;
      }
      case 7:
        m(
          "stranger",
          waText({ chatJid: mixed, participant: phone(stranger), text: addressedText, mentions }),
        );
        break;
      case 8:
        m(
          "stranger",
          waText({ chatJid: strangers, participant: hidden(stranger), text: addressedText, mentions }),
        );
        break;
      case 9:
        m(
          "stranger",
          waText({
            chatJid: mixed,
            participant: phone(stranger),
            text: `re ${token}`,
            quotedParticipant: FAKE_ME.id,
          }),
        );
        break;
      case 10:
        // Borrowing an allowed user's name and number in the text proves nothing.
        m(
          "stranger",
          waText({
            chatJid: phone(stranger),
            text: `I am ${phone(allowed)} ${token}`,
            pushName: "Allowed One",
          }),
        );
        break;
      default: {
        // A stranger whose hidden id WhatsApp pairs with another stranger's number.
        const message = waText({
          chatJid: strangers,
          participant: hidden(stranger),
          text: addressedText,
          mentions,
        });
        message.key.participantAlt = phone(stranger + 1);
        m("stranger", message);
      }
    }
  }
  return out;
}

/** What the personal account is run with. */
export interface PersonalOptions {
  readonly seed: number;
  readonly messages: number;
}

/**
 * Runs the personal account with `messages` messages (about a tenth as many strangers' envelopes are
 * injected besides) in a child process; its output goes to `logs` as `whatsapp-personal`.
 */
export async function runPersonal(options: PersonalOptions, logs: LogCapture): Promise<PersonalFigures> {
  const dir = await mkdtemp(join(tmpdir(), "personal-"));
  const out = join(dir, "figures.json");
  try {
    const child = Bun.spawn(["bun", import.meta.path, JSON.stringify(options), out], {
      env: { ...process.env, LOG_LEVEL: "info" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    logs.add("whatsapp-personal", stdout);
    logs.add("whatsapp-personal", stderr);
    if (code !== 0) throw new Error(`the personal account run exited ${code}: ${stderr.slice(-2000)}`);
    return JSON.parse(await readFile(out, "utf8")) as PersonalFigures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The run itself, in this process. */
async function personalAccount(options: PersonalOptions): Promise<PersonalFigures> {
  const started = performance.now();
  const rng = new Rng(options.seed);
  const allowedUsers = [...Array.from({ length: 8 }, (_, i) => phone(i)), hidden(8), hidden(9)];
  const planned = plan(options.messages, rng);
  const sqs: LocalSqs = await startSqs();
  const agentcore: FakeAgentCore = await startAgentCore();
  const inbound = await sqs.createFifoPair("personal");
  const outbound = await sqs.createFifoPair("personal-outbound", { maxReceiveCount: 6 });
  const restoreEnv = setEnv({
    ...awsTestEnv({ sqs, agentcore, maxAttempts: 1 }),
    QUEUE_URL: inbound.queueUrl,
    OUTBOUND_QUEUE_URL: outbound.queueUrl,
    AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
    ALLOWED_USERS: allowedUsers.join(","),
    MAX_RECEIVE_COUNT: "3",
    LEDGER_TABLE: undefined,
  });
  const whatsapp = new FakeWhatsApp();
  let relay: Relay | undefined;
  try {
    relay = await startRelay(
      {
        port: 0,
        shutdownTimeoutMs: 5_000,
        whatsapp: {
          queueUrl: inbound.queueUrl,
          outboundQueueUrl: outbound.queueUrl,
          bucket: "personal",
          prefix: "whatsapp-personal/",
          allowedUsers,
          groupTrigger: TRIGGER,
          logQr: false,
        },
      },
      {
        store: memoryStore(),
        whatsapp: { connect: whatsapp.connect, outboundWaitSeconds: 0, outboundRetryDelay: () => 0 },
      },
    );
    const connection = await whatsapp.latest();
    whatsapp.open(connection);
    await relay.connections.until((c) => c.get("whatsapp")?.state === "ready");
    for (let i = 0; i < planned.length; i += 7) {
      whatsapp.deliver(connection, ...planned.slice(i, i + 7).map((p) => p.message));
    }
    const addressed = planned.filter((p) => p.kind === "addressed");
    await eventually(() => sqs.peek(inbound.queueUrl).length >= addressed.length, 20_000).catch(() => false);
    await Bun.sleep(300); // anything else the relay would queue
    const queued = sqs.peek(inbound.queueUrl);
    const strangerTokens = planned.filter((p) => p.kind === "stranger").map((p) => p.token);
    const strangersQueued = strangerTokens.filter((t) => queued.some((body) => body.includes(t))).length;

    // Past the relay: what a relay that let strangers through would queue.
    const everyone = whatsappAccess(["*"], TRIGGER);
    const injected = planned.filter((p) => p.kind === "stranger" && rng.int(10) === 0);
    for (const p of injected) {
      const inboundMessage = toEnvelope(v.parse(MessageSchema, p.message), FAKE_ME, everyone);
      if (!("envelope" in inboundMessage)) continue;
      await sqs.send(inbound.queueUrl, JSON.stringify(inboundMessage.envelope), {
        groupId: "injected",
        dedupId: inboundMessage.envelope.eventId.replace(/[^A-Za-z0-9]/g, ""),
      });
    }

    const worker = (await loadBundle<{ handler: WorkerHandler }>("modules/whatsapp-personal/dist/worker.mjs"))
      .handler;
    await drain(
      sqs,
      inbound.queueUrl,
      inbound.queueArn,
      (event) => worker(event, lambdaContext({ timeoutMs: 20_000 })),
      { maxPolls: 10_000, timeoutMs: 30_000 },
    );
    const texts = () => whatsapp.sent.items.flatMap((s) => (s.kind === "text" ? [s] : []));
    await eventually(
      () => addressed.every((p) => texts().some((s) => s.text.includes(p.token))),
      20_000,
    ).catch(() => false);
    await eventually(async () => {
      const depth = await sqs.depth(outbound.queueUrl);
      return depth.visible + depth.inFlight + depth.delayed === 0;
    }, 20_000).catch(() => false);
    await Bun.sleep(300);

    // Attribution: a stranger's chat (direct, or a group of strangers only), their message quoted, or
    // their token in the text.
    const strangerChats = new Set<string>();
    const strangerIds = new Set<string>();
    for (const p of planned.filter((x) => x.kind === "stranger")) {
      strangerIds.add(p.message.key.id ?? "");
      if (!p.message.key.remoteJid?.endsWith("@g.us") || /0[45]@g\.us$/.test(p.message.key.remoteJid)) {
        strangerChats.add(p.message.key.remoteJid ?? "");
      }
    }
    const strangersAnswered = whatsapp.sent.items.filter(
      (s) =>
        strangerChats.has(s.chatJid) ||
        (s.kind === "text" &&
          ((s.quote && strangerIds.has(s.quote.id)) || strangerTokens.some((t) => s.text.includes(t)))),
    ).length;
    const answered = (p: Planned) => texts().some((s) => s.text.includes(p.token));
    const unaddressed = planned.filter((p) => p.kind === "unaddressed");
    const allowed = new Set(allowedUsers);
    return {
      messages: planned.length,
      addressed: addressed.length,
      addressedAnswered: addressed.filter(answered).length,
      unaddressed: unaddressed.length,
      unaddressedAnswered: unaddressed.filter(answered).length,
      strangerMessages: strangerTokens.length,
      strangerEnvelopesInjected: injected.length,
      strangersQueued,
      strangersAnswered,
      strangerAgentCalls: agentcore
        .invocations()
        .filter((call) => !allowed.has(String((call.payload as { user?: { id?: unknown } })?.user?.id)))
        .length,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await relay?.stop();
    restoreEnv();
    await agentcore.close();
    await sqs.close();
  }
}

if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? "{}") as PersonalOptions;
  await writeFile(process.argv[3] ?? "figures.json", JSON.stringify(await personalAccount(options)));
  process.exit(0);
}
