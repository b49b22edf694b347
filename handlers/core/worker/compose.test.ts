import { afterAll, beforeAll, expect, test } from "bun:test";
import { sampleEnvelope } from "../../../test/fixtures.ts";
import { setEnv } from "../../../test/harness/env.ts";
import type { AccessContext } from "../access/context.ts";
import { allowlistOnly } from "../access/settings.ts";
import { sessionId } from "../agent/session-id.ts";
import type { Envelope } from "../envelope.ts";
import { notices } from "../notices.ts";
import { noContacts } from "../outbound/contacts.ts";
import { noSessions } from "../session-generations.ts";
import { type Answer, type Composer, compose, merge } from "./compose.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "warn" });
});
afterAll(() => restore());

/** A composer whose agent echoes, recording what was asked of it and of the typing indicator. */
function composer(overrides: Partial<Composer> = {}) {
  const calls: string[] = [];
  const parts: Composer = {
    agent: {
      async *stream(envelope, session) {
        calls.push(`ask ${session}`);
        yield envelope.text === "silence" ? " " : `echo: ${envelope.text}`;
      },
      end: async (session) => void calls.push(`end ${session}`),
    },
    access: accessOf(),
    sessions: noSessions,
    contacts: noContacts,
    sessionPolicy: async () => {
      calls.push("policy");
      return { scope: "conversation", key: undefined };
    },
    attachments: async () => {
      calls.push("attachments");
      return [];
    },
    typing: () => {
      calls.push("typing");
      return () => void calls.push("typing stopped");
    },
    deadline: Date.now() + 30_000,
    ...overrides,
  };
  return { parts, calls };
}

/** The access of a deployment with ALLOWED_USERS=7 and no table. */
function accessOf(answersStrangers = true): AccessContext {
  return {
    channel: "telegram",
    settings: allowlistOnly("7"),
    store: undefined,
    answersStrangers,
    directWindowMs: undefined,
    reach: { direct: async () => undefined, send: async () => false },
    now: Date.now,
  };
}

/** What compose says, an agent's answer read to its end. */
async function said(answer: Answer | undefined): Promise<string | undefined> {
  if (answer === undefined || typeof answer === "string") return answer;
  let text = "";
  for await (const piece of answer) text += piece;
  return text;
}

const message = (envelope: Partial<Envelope> = {}) => {
  const full = { ...sampleEnvelope, ...envelope };
  return { envelope: full, id: `telegram:${full.eventId}`, reply: {}, attempt: 1 };
};

test("the agent's answer, asked in the conversation's session with the indicator shown meanwhile", async () => {
  const { parts, calls } = composer();
  expect(await said(await compose([message()], parts))).toBe("echo: hello");
  expect(calls).toEqual(["policy", "typing", `ask ${sessionId(sampleEnvelope)}`, "typing stopped"]);
});

test("a blank answer becomes the 'no answer' notice", async () => {
  expect((await said(await compose([message({ text: "silence" })], composer().parts)))?.trim()).toBe(
    notices.empty,
  );
});

test("access first: a stranger's command reaches nothing; refused aloud, or in silence", async () => {
  const stranger = message({ user: { id: "8" }, command: "new", text: "" });
  const loud = composer();
  expect(await compose([stranger], loud.parts)).toBe(notices.refused);
  const quiet = composer({ access: accessOf(false) });
  expect(await compose([stranger], quiet.parts)).toBeUndefined();
  expect([loud.calls, quiet.calls]).toEqual([[], []]);
});

test("commands: /help needs neither the sessions nor the agent; /new ends the current session", async () => {
  const help = composer();
  expect(await compose([message({ command: "help", text: "" })], help.parts)).toBe(notices.help);
  expect(help.calls).toEqual([]);
  const fresh = composer();
  expect(await compose([message({ command: "new", text: "" })], fresh.parts)).toBe(notices.newSession);
  expect(fresh.calls).toEqual(["policy", `end ${sessionId(sampleEnvelope)}`]);
});

test("nothing to say to an empty message; the agent is not asked", async () => {
  const { parts, calls } = composer();
  expect(await compose([message({ text: "  " })], parts)).toBeUndefined();
  expect(calls).toEqual(["policy"]);
});

test("a burst: one agent call with the texts in order and every attachment, answered after the last", async () => {
  const { parts, calls } = composer();
  const image = { kind: "image" as const, id: "f1" };
  const burst = [
    message({ eventId: "1", text: "hi" }),
    message({ eventId: "2", text: "", attachments: [image] }),
    message({ eventId: "3", text: "check my calendar" }),
  ];
  expect(await said(await compose(burst, parts))).toBe("echo: hi\ncheck my calendar");
  expect(calls.filter((c) => c.startsWith("ask"))).toHaveLength(1);
  expect(merge(burst)).toMatchObject({
    id: "telegram:1",
    envelope: {
      eventId: "3",
      text: "hi\ncheck my calendar",
      attachments: [image],
      receivedAt: sampleEnvelope.receivedAt,
    },
  });
});
