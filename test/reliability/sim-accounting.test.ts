import { expect, test } from "bun:test";
import { notices } from "../../handlers/core/notices.ts";
import type { SentReply } from "./channels/profile.ts";
import { account } from "./sim-accounting.ts";
import { type Tracked, tokenOf } from "./sim-faults.ts";

const message = (conversation: number, seq: number, fate: Partial<Tracked> = {}): Tracked => ({
  conversation,
  seq,
  token: tokenOf(conversation, seq),
  userId: "u",
  eventNumber: conversation * 100 + seq,
  stranger: false,
  doomed: false,
  refused: false,
  attempts: 1,
  accepted: true,
  gaveUp: false,
  ...fate,
});
const reply = (conversation: number, text: string, at: number): SentReply => ({
  conversation,
  replyTo: undefined,
  text,
  at,
});

test("every message is settled, or counted lost with the reason", () => {
  const messages = [
    message(0, 0),
    message(0, 1),
    message(0, 2, { doomed: true }),
    message(0, 3),
    message(1, 0, { stranger: true }),
    message(1, 1, { refused: true }),
  ];
  const figures = account({
    messages,
    sent: [
      reply(0, `echo: ${tokenOf(0, 1)}`, 1),
      reply(0, `echo: ${tokenOf(0, 0)}`, 2),
      reply(0, `echo: ${tokenOf(0, 0)}`, 9),
      reply(0, notices.failed, 3),
      reply(1, notices.refused, 4),
    ],
    dlqTokens: [tokenOf(0, 2)],
    done: new Map([["e0", [5]]]),
    envelopeIdOf: (m) => `e${m.eventNumber}`,
  });
  expect(figures).toMatchObject({
    answered: 2,
    answeredTwice: 1,
    answeredAgainAfterDone: 1,
    inDlq: 1,
    inDlqWithNotice: 1,
    strangersRefused: 1,
    refusedWithNotice: 0,
    outOfOrder: 1,
    lost: 2,
  });
  expect(figures.lostSamples).toEqual([
    `${tokenOf(0, 3)} (no answer, not in the DLQ)`,
    `${tokenOf(1, 1)} (agent refused it for good; the notice did not arrive)`,
  ]);
});
