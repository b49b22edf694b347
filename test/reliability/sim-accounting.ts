/**
 * Accounting for the simulation: from what the platform received, what sits in the DLQ and what the
 * worker logged, the fate of every message.
 */
import { accessTexts } from "../../handlers/core/access/texts.ts";
import { notices } from "../../handlers/core/notices.ts";
import type { SentReply } from "./channels/profile.ts";
import type { LogLine } from "./logs.ts";
import { TOKEN, type Tracked } from "./sim-faults.ts";

/** What became of the messages. */
export interface Accounting {
  readonly answered: number;
  /** Messages answered more than once, in all. */
  readonly answeredTwice: number;
  /** …of which the worker had finished (reply sent and recorded) before answering again. */
  readonly answeredAgainAfterDone: number;
  /**
   * …of which the worker sent a chunk again whose earlier send had an outcome the platform cannot tell
   * (the worker died between the platform taking it and the ledger recording it; the Bot API has no
   * idempotency key and no way to read a chat).
   */
  readonly answeredTwiceUnknowable: number;
  readonly inDlq: number;
  readonly inDlqWithNotice: number;
  /** Messages the agent refused for good, with the notice delivered. */
  readonly refusedWithNotice: number;
  readonly strangersRefused: number;
  /** Accepted by the ingress, and neither answered, nor in the DLQ, nor told why not. */
  readonly lost: number;
  readonly lostSamples: readonly string[];
  /** Messages answered twice although the platform could have told (token and envelope), up to 10. */
  readonly twiceSamples: readonly string[];
  /** First answers of a conversation arriving before the first answer of an earlier message. */
  readonly outOfOrder: number;
}

/** When the worker logged `message.done` for each envelope id (ms). */
export function doneTimes(lines: readonly LogLine[], source: string): Map<string, number[]> {
  const done = new Map<string, number[]>();
  for (const line of lines) {
    if (line.source !== source || !line.text.includes('"message.done"')) continue;
    try {
      const entry = JSON.parse(line.text) as { envelopeId?: string; time?: number };
      if (!entry.envelopeId || entry.time === undefined) continue;
      done.set(entry.envelopeId, [...(done.get(entry.envelopeId) ?? []), entry.time]);
    } catch {
      // not a JSON line: not ours to read
    }
  }
  return done;
}

/** The envelopes for which the worker sent a chunk again without being able to tell whether it had arrived. */
export function resentUnknowable(lines: readonly LogLine[], source: string): Set<string> {
  const ids = new Set<string>();
  for (const line of lines) {
    if (line.source !== source || !line.text.includes('"send.uncertain"')) continue;
    try {
      const entry = JSON.parse(line.text) as { key?: string; found?: unknown };
      if (entry.key && entry.found === "cannot tell") ids.add(entry.key);
    } catch {
      // not a JSON line: not ours to read
    }
  }
  return ids;
}

/** What a stranger may be told instead of an answer: the refusal (allowlist), or a pairing code or its refusal (pairing). */
const STRANGER_ANSWERS = [
  notices.refused,
  accessTexts.pairing("CODE"),
  accessTexts.groupPairing("CODE"),
  accessTexts.pairingBusy,
].map((text) => text.slice(0, 24));

/**
 * The envelopes the access gate settled in silence by design: a stranger writing again while their
 * pairing code is still valid hears nothing more (handlers/core/access/gate.ts).
 */
export function silencedByGate(lines: readonly LogLine[], source: string): Set<string> {
  const ids = new Set<string>();
  for (const line of lines) {
    if (line.source !== source || !line.text.includes('"access.pending"')) continue;
    try {
      const entry = JSON.parse(line.text) as { envelopeId?: string };
      if (entry.envelopeId) ids.add(entry.envelopeId);
    } catch {
      // not a JSON line: not ours to read
    }
  }
  return ids;
}

/** Settles every message from the evidence. */
export function account(input: {
  readonly messages: readonly Tracked[];
  readonly sent: readonly SentReply[];
  readonly dlqTokens: readonly string[];
  readonly done: ReadonlyMap<string, number[]>;
  /** Envelopes with a chunk sent again after an outcome the platform cannot tell (see resentUnknowable). */
  readonly unknowable?: ReadonlySet<string>;
  /** Envelopes the access gate settled in silence by design (see silencedByGate). */
  readonly silenced?: ReadonlySet<string>;
  readonly envelopeIdOf: (message: Tracked) => string;
}): Accounting {
  const byToken = new Map(input.messages.map((m) => [m.token, m]));
  const answers = new Map<string, number[]>();
  const failureNotices = new Map<number, number>();
  const refusals = new Map<number, number>();
  const firstAnswers = new Map<number, number[]>();
  for (const reply of input.sent) {
    const token = TOKEN.exec(reply.text)?.[0];
    const message = token === undefined ? undefined : byToken.get(token);
    if (message) {
      const times = [...(answers.get(message.token) ?? []), reply.at];
      answers.set(message.token, times);
      if (times.length === 1) {
        firstAnswers.set(message.conversation, [
          ...(firstAnswers.get(message.conversation) ?? []),
          message.seq,
        ]);
      }
      continue;
    }
    if (reply.conversation === undefined) continue;
    if (reply.text.includes(notices.failed.slice(0, 24))) {
      failureNotices.set(reply.conversation, (failureNotices.get(reply.conversation) ?? 0) + 1);
    } else if (STRANGER_ANSWERS.some((start) => reply.text.includes(start))) {
      refusals.set(reply.conversation, (refusals.get(reply.conversation) ?? 0) + 1);
    }
  }

  const inDlq = new Set(input.dlqTokens);
  let answered = 0;
  let answeredTwice = 0;
  let answeredAgainAfterDone = 0;
  let answeredTwiceUnknowable = 0;
  let inDlqWithNotice = 0;
  let refusedWithNotice = 0;
  let strangersRefused = 0;
  let lost = 0;
  const lostSamples: string[] = [];
  const twiceSamples: string[] = [];
  const conversations = new Set(input.messages.map((m) => m.conversation));
  for (const c of conversations) {
    const own = input.messages.filter((m) => m.conversation === c && m.accepted);
    // Notices are not attributed to a message: a conversation's notices cover its permanent refusals
    // first, then its dead letters.
    let noticesLeft = failureNotices.get(c) ?? 0;
    const cover = (count: number) => {
      const n = Math.min(count, noticesLeft);
      noticesLeft -= n;
      return n;
    };
    const refusedHere = own.filter(
      (m) => m.refused && !answers.get(m.token)?.length && !inDlq.has(m.token),
    ).length;
    const refusedTold = cover(refusedHere);
    refusedWithNotice += refusedTold;
    inDlqWithNotice += cover(own.filter((m) => inDlq.has(m.token)).length);
    const strangersHere = own.filter((m) => m.stranger && !inDlq.has(m.token)).length;
    const strangersTold = Math.min(strangersHere, refusals.get(c) ?? 0);
    strangersRefused += strangersTold;
    // A permanent refusal or a stranger's message is settled when the user was told, or when it is in
    // the DLQ (the refusal itself could not be delivered: an operator can see and redrive it).
    const answeredOrDead = (m: Tracked) => (answers.get(m.token)?.length ?? 0) > 0 || inDlq.has(m.token);
    const untoldRefused = own.filter((m) => m.refused && !answeredOrDead(m)).slice(refusedTold);
    const silenced = (m: Tracked) => input.silenced?.has(input.envelopeIdOf(m)) === true;
    const untoldStrangers = own
      .filter((m) => m.stranger && !answeredOrDead(m) && !silenced(m))
      .slice(strangersTold);
    const lostHere = [
      ...own
        .filter((m) => !m.refused && !m.stranger && !answeredOrDead(m))
        .map((m) => `${m.token} (no answer, not in the DLQ)`),
      ...untoldRefused.map((m) => `${m.token} (agent refused it for good; the notice did not arrive)`),
      ...untoldStrangers.map((m) => `${m.token} (stranger; the refusal did not arrive)`),
    ];
    lost += lostHere.length;
    lostSamples.push(...lostHere.slice(0, Math.max(0, 10 - lostSamples.length)));
    for (const m of own) {
      const times = answers.get(m.token) ?? [];
      if (times.length >= 1) answered += 1;
      if (times.length < 2) continue;
      answeredTwice += 1;
      if (input.unknowable?.has(input.envelopeIdOf(m))) answeredTwiceUnknowable += 1;
      else if (twiceSamples.length < 10) twiceSamples.push(`${m.token} (${input.envelopeIdOf(m)})`);
      // The second answer came after the worker had logged the message done (reply sent and recorded).
      const firstDone = Math.min(...(input.done.get(input.envelopeIdOf(m)) ?? [Number.POSITIVE_INFINITY]));
      if (firstDone <= (times[1] as number)) answeredAgainAfterDone += 1;
    }
  }
  let outOfOrder = 0;
  for (const order of firstAnswers.values()) {
    let highest = -1;
    for (const seq of order) {
      if (seq < highest) outOfOrder += 1;
      highest = Math.max(highest, seq);
    }
  }
  return {
    answered,
    answeredTwice,
    answeredAgainAfterDone,
    answeredTwiceUnknowable,
    inDlq: inDlq.size,
    inDlqWithNotice,
    refusedWithNotice,
    strangersRefused,
    lost,
    lostSamples,
    twiceSamples,
    outOfOrder,
  };
}
