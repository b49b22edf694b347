/**
 * The fault simulation: hundreds of messages in many conversations go through a channel's BUILT bundles
 * in child `node` processes (the ingress as API Gateway calls it, workers polled like Lambda's SQS event
 * source mapping) while AgentCore, the platform and SQS fail in every way the issue lists and workers
 * die mid-batch. Then every message is accounted for; last, answered messages are put on the queue
 * again (a redelivery after the reply was sent) to see whether anyone is answered twice.
 */
import { sleep } from "../../emulators/http.ts";
import { pollSqsOnce } from "../../emulators/lambda.ts";
import { dynamoAccessStore } from "../../handlers/core/access/store.ts";
import { type LocalDynamo, startDynamo } from "../harness/dynamodb.ts";
import type { ChannelProfile } from "./channels/profile.ts";
import { NodeFunction } from "./lambda-node.ts";
import type { LogCapture } from "./logs.ts";
import { type FaultProxy, startProxy } from "./proxy.ts";
import { startRig } from "./rig.ts";
import { type Accounting, account, doneTimes, resentUnknowable, silencedByGate } from "./sim-accounting.ts";
import { deliverAll, makeMessages } from "./sim-delivery.ts";
import { type FaultRates, faultyAgent, faultyPlatform, frac, TOKEN, type Tracked } from "./sim-faults.ts";
import {
  adminCommand,
  callerOf,
  codesByConversation,
  conversationOfCall,
  grantedNow,
  type PairingFigures,
  strangerMessage,
  subjectOf,
} from "./sim-pairing.ts";

/** The simulation's shape. */
export interface SimConfig {
  readonly seed: number;
  readonly conversations: number;
  readonly messagesPerConversation: number;
  /** Every n-th conversation is a stranger's (not in ALLOWED_USERS). */
  readonly strangerEvery: number;
  /** Concurrent function instances polling the queue. */
  readonly pollers: number;
  readonly functionTimeoutMs: number;
  readonly visibilityTimeoutSeconds: number;
  /** The worker's ChangeMessageVisibility backoff is divided by this (simulated time). */
  readonly backoffDivisor: number;
  readonly maxReceiveCount: number;
  /** Run with the send ledger (LEDGER_TABLE on a local DynamoDB), as the modules deploy it. */
  readonly ledger: boolean;
  /**
   * Who may talk (ACCESS_POLICY): `allowlist` (the allowed users only; the default here), or `pairing`, the
   * modules' default (needs the ledger's table): strangers get codes, an admin allows and revokes
   * (sim-pairing.ts).
   */
  readonly policy?: "allowlist" | "pairing";
  readonly faults: FaultRates;
  /** Answered messages put on the queue again at the end (a redelivery after the reply was sent). */
  readonly redeliveries: number;
  readonly timeLimitMs: number;
}

/** The figures of one simulation run. */
export interface SimFigures extends Accounting {
  readonly channel: string;
  readonly ledger: boolean;
  readonly policy: "allowlist" | "pairing";
  /** What the pairing phases did (policy `pairing`). */
  readonly pairing: PairingFigures | undefined;
  readonly messages: number;
  readonly conversations: number;
  readonly strangerMessages: number;
  /** Messages every agent call fails for (they must end in the DLQ), and ones the agent refuses for good. */
  readonly doomedMessages: number;
  readonly refusedMessages: number;
  /** Deliveries to the ingress (first tries, retries after a 5xx, platform duplicates). */
  readonly deliveries: number;
  readonly ingressOutage5xx: number;
  readonly duplicateDeliveries: number;
  /** Messages the platform gave up on after 5xx answers (the sender saw the failure). */
  readonly refusedAtIngress: number;
  readonly invocations: number;
  readonly timeouts: number;
  readonly crashes: number;
  /** Invocations that did their work and then threw (the whole batch comes back). */
  readonly thrown: number;
  readonly killsAfterSend: number;
  readonly killsBeforeSend: number;
  readonly coldStarts: number;
  readonly agentInvocations: number;
  readonly agentFaults: number;
  readonly platformFaults: number;
  readonly strangerAgentCalls: number;
  /** Answered messages queued again, and how many of them got a second answer. */
  readonly redelivered: number;
  readonly redeliveredAnsweredAgain: number;
  /** Messages still queued when the time limit hit (0 when the run finished). */
  readonly unfinished: number;
  readonly ms: number;
}

/** Runs the simulation for one channel and returns its figures. */
export async function runSimulation(
  profile: ChannelProfile,
  config: SimConfig,
  logs: LogCapture,
): Promise<SimFigures> {
  const started = performance.now();
  const { seed, faults } = config;
  const policy = config.policy ?? "allowlist";
  if (policy === "pairing" && !config.ledger) throw new Error("pairing needs the table (ledger: true)");
  const label = `${profile.channel}${config.ledger ? "" : " (no ledger)"}${policy === "pairing" ? " (pairing)" : ""}`;
  const dynamo: LocalDynamo | undefined = config.ledger ? await startDynamo() : undefined;
  const allowed = new Set(Array.from({ length: config.conversations }, (_, c) => profile.users.allowed(c)));
  const admin = profile.users.allowed(0);
  const table = dynamo ? await dynamo.createLedgerTable("reliability-ledger") : undefined;
  const store = table && dynamo ? dynamoAccessStore(table, profile.channel, () => dynamo.client) : undefined;
  const rig = await startRig(profile, {
    allowedUsers: [...allowed].join(","),
    logs,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    maxReceiveCount: config.maxReceiveCount,
    backoffDivisor: config.backoffDivisor,
    ingressInNode: true,
    logSource: `ingress:${label}`,
    env: {
      ...(dynamo && table ? { LEDGER_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint } : {}),
      ...(policy === "pairing" ? { ACCESS_POLICY: "pairing", ADMINS: admin } : {}),
    },
  });
  const messages = makeMessages(profile, config);
  const strangerConversations = [...new Set(messages.filter((m) => m.stranger).map((m) => m.conversation))];
  // Under pairing, the allowed users' groups were allowed by an admin before (as `bun run dev` does).
  if (policy === "pairing" && store)
    for (const c of new Set(messages.filter((m) => !m.stranger).map((m) => m.conversation))) {
      const group = profile.users.group?.(c);
      if (group !== undefined) await store.grant({ kind: "group", id: group }, { at: Date.now(), by: "sim" });
    }
  const byToken = new Map(messages.map((m) => [m.token, m]));
  const agent = faultyAgent(seed, faults, byToken, config.functionTimeoutMs);
  rig.agentcore.setDefault(agent.respond);
  const platformFaults = faultyPlatform(seed, faults, rig.platform);

  // Function instances, each behind its own platform proxy, so a kill after a send hits the sender.
  const workerSource = `worker:${label}`;
  let killsAfterSend = 0;
  let killsBeforeSend = 0;
  const functions: NodeFunction[] = [];
  const proxies: FaultProxy[] = [];
  for (let i = 0; i < config.pollers; i++) {
    const proxy = await startProxy(rig.platform.url, {
      decide(request) {
        const decision = platformFaults.decide(request);
        if (platformFaults.killBefore(request)) {
          killsBeforeSend += 1;
          functions[i]?.kill("before send");
        }
        return decision;
      },
      onPassed(request, response) {
        if (response.status >= 300 || !platformFaults.killAfter(request)) return;
        killsAfterSend += 1;
        functions[i]?.kill("after send");
      },
    });
    proxies.push(proxy);
    functions.push(
      new NodeFunction({
        bundle: `modules/${profile.channel}/dist/worker.mjs`,
        env: { ...rig.env, ...rig.platform.env(proxy.url) },
        timeoutMs: config.functionTimeoutMs,
        output: (text) => logs.add(workerSource, text),
      }),
    );
  }

  // Lambda's event source mapping: one poller per function instance, failed batches left to time out.
  const counts = { invocations: 0, timeouts: 0, crashes: 0, thrown: 0 };
  let stop = false;
  const polling = functions.map(async (fn, i) => {
    while (!stop) {
      const poll = await pollSqsOnce(
        rig.sqs,
        rig.queue.queueUrl,
        rig.queue.queueArn,
        async (event) => {
          const n = ++counts.invocations;
          const crash =
            frac(seed, "crash", i, n) < faults.crash
              ? setTimeout(
                  () => {
                    counts.crashes += 1;
                    fn.kill("crash");
                  },
                  Math.floor(frac(seed, "crash-at", i, n) * config.functionTimeoutMs * 0.6),
                )
              : undefined;
          const outcome = await fn.invoke(event);
          clearTimeout(crash);
          // A handler that throws after its work (a bug past the last send): Lambda fails the whole batch.
          if (outcome.kind === "returned" && frac(seed, "throw", i, n) < faults.thrown) {
            counts.thrown += 1;
            throw new Error("handler threw");
          }
          if (outcome.kind === "returned") return outcome.result;
          if (outcome.kind === "timeout") counts.timeouts += 1;
          throw new Error(`invocation ${outcome.kind}`);
        },
        { releaseFailed: false, timeoutMs: config.functionTimeoutMs + 60_000, maxMessages: 10 },
      );
      if (!poll.invoked) await sleep(50);
    }
  });
  const deadline = Date.now() + config.timeLimitMs;
  /** Waits until the queue has been empty for two checks in a row (or the time limit). */
  const settle = async (): Promise<number> => {
    let left = 0;
    for (let quiet = 0; quiet < 2 && Date.now() < deadline; ) {
      await sleep(250);
      const depth = await rig.sqs.depth(rig.queue.queueUrl);
      left = depth.visible + depth.inFlight + depth.delayed;
      quiet = left === 0 ? quiet + 1 : 0;
    }
    return left;
  };

  rig.platform.reportStatuses?.(async (request) => {
    const outcome = await rig.deliver({
      method: request.route.method,
      path: request.route.path,
      headers: request.headers,
      body: request.body,
    });
    return { status: outcome.status, body: outcome.body };
  });
  const delivery = await deliverAll(rig, messages, config);
  let unfinished = await settle();

  // Under pairing: who may reach the agent, phase by phase (sim-pairing.ts). The allowed users are always
  // allowed; a stranger's subject (their group, or themselves) only while the table allows it.
  const phases: { from: number; allowed: ReadonlySet<string> }[] = [{ from: 0, allowed: new Set() }];
  let pairing: PairingFigures | undefined;
  if (policy === "pairing" && store) {
    const subjects = strangerConversations.map((c) => subjectOf(profile, c, profile.users.stranger(c)));
    const commandConversation = config.conversations;
    const withCommands = { ...config, conversations: config.conversations + 1 };
    let commandSeq = 0;
    /** Admin commands, delivered with the same faults; then the queue settles. */
    const command = async (texts: string[]) => {
      const list = texts.map((text) => adminCommand(admin, commandConversation, commandSeq++, text));
      delivery.issues.push(...(await deliverAll(rig, list, withCommands)).issues);
      return settle();
    };
    /** Every stranger conversation writes once more; then the queue settles. */
    let laterSeq = config.messagesPerConversation;
    let laterStrangerMessages = 0;
    const strangersWrite = async () => {
      const later: Tracked[] = strangerConversations.map((c) => strangerMessage(profile, c, laterSeq));
      laterSeq += 1;
      for (const m of later) {
        messages.push(m);
        byToken.set(m.token, m);
      }
      laterStrangerMessages += later.length;
      delivery.issues.push(...(await deliverAll(rig, later, config)).issues);
      return settle();
    };
    // Half the codes answered with /allow (Discord's admin commands are buttons and slash commands, which
    // this platform does not press: there the strangers only ask).
    const codes = codesByConversation(rig.platform.sent(), strangerConversations);
    const allows = profile.channel === "discord" ? [] : [...codes.values()].filter((_, i) => i % 2 === 0);
    if (allows.length > 0) unfinished += await command(allows.map((code) => `/allow ${code}`));
    const afterAllow = await grantedNow(store, subjects);
    phases.push({ from: rig.agentcore.invocations().length, allowed: afterAllow });
    unfinished += await strangersWrite();
    // Half of those allowed revoked; then every stranger writes once more.
    const revokes = [...afterAllow].filter((_, i) => i % 2 === 0);
    if (revokes.length > 0) unfinished += await command(revokes.map((id) => `/revoke ${id}`));
    const afterRevoke = await grantedNow(store, subjects);
    phases.push({ from: rig.agentcore.invocations().length, allowed: afterRevoke });
    unfinished += await strangersWrite();
    pairing = {
      codesGiven: codes.size,
      allowsSent: allows.length,
      granted: afterAllow.size,
      revokesSent: revokes.length,
      revoked: revokes.filter((id) => !afterRevoke.has(id)).length,
      laterStrangerMessages,
      pairedAgentCalls: 0,
    };
  }
  const answeredBefore = rig.platform.sent();
  const dlqTokens = (await rig.sqs.receiveAll(rig.queue.dlqUrl)).map(
    (m) => TOKEN.exec(m.Body ?? "")?.[0] ?? "",
  );

  // Redelivery after the reply was sent and recorded: messages answered once, which the worker logged
  // done, queued again (a new dedup id, the same group), as an SQS redelivery or a DLQ redrive would.
  const answerCounts = new Map<string, number>();
  for (const r of answeredBefore) {
    const token = TOKEN.exec(r.text)?.[0];
    if (token) answerCounts.set(token, (answerCounts.get(token) ?? 0) + 1);
  }
  const done = doneTimes(logs.lines, workerSource);
  const finished = (token: string | undefined) => {
    const message = token === undefined ? undefined : byToken.get(token);
    return (
      message !== undefined &&
      answerCounts.get(message.token) === 1 &&
      done.has(rig.platform.envelopeIdOf(message))
    );
  };
  const again = rig.queued
    .filter((q) => finished(TOKEN.exec(q.body)?.[0]))
    .filter((q, index, all) => all.findIndex((o) => o.body === q.body) === index)
    .slice(0, config.redeliveries);
  for (const q of again) await rig.sqs.send(rig.queue.queueUrl, q.body, { groupId: q.groupId });
  if (again.length > 0) unfinished += await settle();
  stop = true;
  await Promise.all(polling);
  for (const fn of functions) fn.close();

  const sent = rig.platform.sent();
  const againTokens = new Set(again.map((q) => TOKEN.exec(q.body)?.[0]));
  const countAnswers = (replies: typeof sent, token: string | undefined) =>
    replies.filter((r) => TOKEN.exec(r.text)?.[0] === token).length;
  const againAnswered = [...againTokens].filter(
    (token) => countAnswers(sent, token) > countAnswers(answeredBefore, token),
  );
  const redeliveredAnsweredAgain = againAnswered.length;
  const accounting = account({
    messages,
    sent: answeredBefore,
    dlqTokens,
    done: doneTimes(logs.lines, workerSource),
    unknowable: resentUnknowable(logs.lines, workerSource),
    silenced: silencedByGate(logs.lines, workerSource),
    envelopeIdOf: (m) => rig.platform.envelopeIdOf(m),
  });
  if (process.env.RELIABILITY_DEBUG) {
    // The log lines of each knowable second answer and each lost message, for reading what happened.
    const twice = accounting.twiceSamples.map((sample) => sample.slice(sample.indexOf("(") + 1, -1));
    const lostTokens = accounting.lostSamples.map((sample) => sample.split(" ")[0]);
    const lostIds = messages
      .filter((m) => lostTokens.includes(m.token))
      .map((m) => rig.platform.envelopeIdOf(m));
    const ids = [...twice, ...lostIds, ...lostTokens];
    const mine = logs.lines.filter((line) => ids.some((id) => id && line.text.includes(id)));
    if (mine.length > 0)
      await Bun.write(
        `.tmp/reliability-debug-${profile.channel}-${policy}-ledger-${config.ledger ? "on" : "off"}.log`,
        [`ids: ${ids.join(" ")}`, ...mine.map((line) => `${line.source} ${line.text}`)].join("\n"),
      );
  }
  // A call for someone outside the policy at the time: not an allowed user, and (under pairing) not in a
  // subject the table allowed during the phase the call was made in.
  const isGroup = profile.users.group !== undefined;
  const strangerAgentCalls = rig.agentcore.invocations().filter((call, index) => {
    if (allowed.has(callerOf(call))) return false;
    const phase = phases.findLast((p) => p.from <= index);
    return !phase?.allowed.has(isGroup ? conversationOfCall(call) : callerOf(call));
  }).length;
  const figures: SimFigures = {
    ...accounting,
    lostSamples: [...accounting.lostSamples, ...delivery.issues.slice(0, 5)],
    channel: profile.channel,
    ledger: config.ledger,
    policy,
    pairing: pairing
      ? {
          ...pairing,
          pairedAgentCalls:
            rig.agentcore.invocations().filter((call) => !allowed.has(callerOf(call))).length -
            strangerAgentCalls,
        }
      : undefined,
    messages: messages.length,
    conversations: config.conversations,
    strangerMessages: messages.filter((m) => m.stranger && m.accepted).length,
    doomedMessages: messages.filter((m) => m.doomed && m.accepted).length,
    refusedMessages: messages.filter((m) => m.refused && m.accepted).length,
    deliveries: delivery.deliveries,
    ingressOutage5xx: delivery.outage5xx,
    duplicateDeliveries: delivery.duplicates,
    refusedAtIngress: messages.filter((m) => m.gaveUp).length,
    ...counts,
    killsAfterSend,
    killsBeforeSend,
    coldStarts: functions.reduce((sum, fn) => sum + fn.coldStarts, 0),
    agentInvocations: rig.agentcore.invocations().length,
    agentFaults: agent.faults(),
    platformFaults: platformFaults.faults(),
    strangerAgentCalls,
    redelivered: again.length,
    redeliveredAnsweredAgain,
    unfinished,
    ms: Math.round(performance.now() - started),
  };
  logs.hide(rig.platform.hidden());
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await rig.close();
  await dynamo?.close();
  return figures;
}
