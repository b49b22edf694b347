import { afterAll, beforeAll, expect, spyOn, test } from "bun:test";
import type { SQSRecord } from "aws-lambda";
import * as v from "valibot";
import { setEnv } from "../../../test/harness/env.ts";
import { type AccessSettings, allowlistOnly } from "../access/settings.ts";
import type { AccessRecord, AccessStore, Subject } from "../access/store.ts";
import type { ChannelAdapter } from "../adapter.ts";
import { PlatformError } from "../errors.ts";
import { noLedger, type SendLedger } from "../ledger.ts";
import { deliverOutbound, type OutboundDelivery } from "./consume.ts";
import { type Contacts, noContacts } from "./contacts.ts";
import { outboundId } from "./message.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "warn" });
});
afterAll(() => restore());
const lines: { event: string; reason?: string }[] = [];
const spies = (["warn", "error"] as const).map((level) =>
  spyOn(console, level).mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line)))),
);
afterAll(() => {
  for (const spy of spies) spy.mockRestore();
});
const logged = () => lines.splice(0).map((line) => [line.event, line.reason].filter(Boolean).join(": "));

/** A channel whose conversations are numbers; `failure` makes every post fail with it. */
function channel(sent: string[], failure?: () => Error): ChannelAdapter<object, { chat: number }> {
  return {
    channel: "test",
    secretSchema: v.object({}),
    replySchema: v.object({ chat: v.pipe(v.number(), v.integer()) }),
    typingIntervalMs: 60_000,
    outbox: () => ({
      render: (markdown) => markdown.toUpperCase(),
      limit: 20,
      typing: async () => {},
      async post(reply, part) {
        if (failure) throw failure();
        sent.push(`${reply.chat}: ${part.text}`);
        return undefined;
      },
    }),
    replyTo: (to) => (to.thread === undefined ? { chat: Number(to.conversation) } : undefined),
    setup: async () => ({}),
    teardown: async () => ({}),
  };
}

/** A ledger that remembers only which replies are complete. */
function completeOnly(): SendLedger {
  const done = new Set<string>();
  return {
    ...noLedger,
    get: async (id) =>
      done.has(id)
        ? {
            text: undefined,
            delivered: 0,
            complete: true,
            inFlight: undefined,
            seen: [],
            refs: [],
            burst: 1,
          }
        : undefined,
    complete: async (id) => void done.add(id),
  };
}

const record = (body: unknown, attempt = 1) =>
  ({
    messageId: "m1",
    body: typeof body === "string" ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(attempt), MessageGroupId: "g" },
  }) as unknown as SQSRecord;

const message = {
  channel: "test",
  conversation: "42",
  text: "first line here\n\nsecond line here",
  idempotencyKey: "k1",
};

function delivery(
  sent: string[],
  overrides: Partial<OutboundDelivery<object, { chat: number }>> = {},
  failure?: () => Error,
): OutboundDelivery<object, { chat: number }> {
  const adapter = channel(sent, failure);
  return {
    adapter,
    secret: async () => ({}),
    outbox: async () => adapter.outbox({}),
    ledger: completeOnly(),
    access: { settings: allowlistOnly("42"), store: undefined },
    contacts: noContacts,
    dlqUrl: undefined,
    maxReceiveCount: 3,
    deadline: Date.now() + 30_000,
    ...overrides,
  };
}

test("delivered like an answer (rendered, split at the limit), once per idempotency key", async () => {
  const sent: string[] = [];
  const to = delivery(sent);
  expect(await deliverOutbound(record(message), to)).toBe("done");
  expect(await deliverOutbound(record(message), to)).toBe("done");
  expect(sent).toEqual(["42: FIRST LINE HERE", "42: SECOND LINE HERE"]);
  expect(await deliverOutbound(record({ ...message, idempotencyKey: "k2", text: "bye" }), to)).toBe("done");
  expect(sent.at(-1)).toBe("42: BYE");
  expect(outboundId(message)).toMatch(/^test:out:[0-9a-f]{40}$/);
});

test("only where an allowed user talked to the agent: the conversation is one, or its last writer still is", async () => {
  const sent: string[] = [];
  const contacts = (user: string | undefined): Contacts => ({ ...noContacts, lastUser: async () => user });
  const group = { ...message, conversation: "-100" };
  expect(await deliverOutbound(record(group), delivery(sent, { contacts: contacts(undefined) }))).toBe(
    "done",
  );
  expect(await deliverOutbound(record(group), delivery(sent, { contacts: contacts("7") }))).toBe("done");
  expect(sent).toEqual([]);
  const refused = "outbound.refused: no allowed user talked to the agent in this conversation";
  expect(logged()).toEqual([refused, refused]);
  expect(await deliverOutbound(record(group), delivery(sent, { contacts: contacts("42") }))).toBe("done");
  expect(sent[0]).toBe("-100: FIRST LINE HERE");
});

/** An access store holding grants only: `granted` lists "user:<id>" and "group:<id>". */
function grants(...granted: string[]): AccessStore {
  const record = async ({ kind, id }: Subject): Promise<AccessRecord | undefined> =>
    granted.includes(`${kind}:${id}`)
      ? ({ subject: { kind, id }, granted: { by: "admin", at: 0 } } as unknown as AccessRecord)
      : undefined;
  return { record } as unknown as AccessStore;
}

test("the access gate decides who is still allowed: grants, admins, revokes, open, enabled groups", async () => {
  const sent: string[] = [];
  const lastUser = (user: string | undefined): Contacts => ({ ...noContacts, lastUser: async () => user });
  const gate = (settings: Partial<AccessSettings>, store?: AccessStore) => ({
    access: { settings: { ...allowlistOnly(""), ...settings }, store },
  });
  const group = { ...message, conversation: "-100" };
  const refusedBy = async (to: Partial<OutboundDelivery<object, { chat: number }>>) =>
    (await deliverOutbound(record(group), delivery(sent, to))) === "done" && sent.length === 0;
  // Granted at run time (an admin's /allow): the user's direct chat, and a group they last talked in.
  expect(await deliverOutbound(record(message), delivery(sent, gate({}, grants("user:42"))))).toBe("done");
  expect(
    await deliverOutbound(
      record(group),
      delivery(sent, { ...gate({}, grants("user:7")), contacts: lastUser("7") }),
    ),
  ).toBe("done");
  expect(sent.splice(0)).toEqual([
    "42: FIRST LINE HERE",
    "42: SECOND LINE HERE",
    "-100: FIRST LINE HERE",
    "-100: SECOND LINE HERE",
  ]);
  // Revoked (no grant any more), or nobody ever talked there even under `open`: nothing is sent.
  expect(await refusedBy({ ...gate({}, grants()), contacts: lastUser("7") })).toBe(true);
  expect(await refusedBy({ ...gate({ policy: "open" }), contacts: lastUser(undefined) })).toBe(true);
  logged();
  // An admin; anyone under `open`; under `pairing` an enabled group whoever talked there last.
  for (const to of [
    { ...gate({ admins: new Set(["7"]) }), contacts: lastUser("7") },
    { ...gate({ policy: "open" }), contacts: lastUser("7") },
    { ...gate({ policy: "pairing" }, grants("group:-100")), contacts: lastUser("7") },
  ]) {
    const key = `k-${sent.length}`;
    expect(
      await deliverOutbound(record({ ...group, idempotencyKey: key, text: "hi" }), delivery(sent, to)),
    ).toBe("done");
  }
  expect(sent).toEqual(["-100: HI", "-100: HI", "-100: HI"]);
  expect(logged()).toEqual([]);
});

test("a message no retry can fix is logged with its reason and, without a DLQ to move it to, retried", async () => {
  const sent: string[] = [];
  for (const body of [
    "not json",
    { ...message, idempotencyKey: "" },
    { ...message, text: " " },
    { ...message, channel: "slack" },
    { ...message, conversation: "chat" },
    { ...message, thread: "1" },
  ]) {
    expect(await deliverOutbound(record(body), delivery(sent))).toBe("retry");
  }
  expect(sent).toEqual([]);
  expect(logged()).toEqual([
    "outbound.invalid: body is not JSON",
    "outbound.invalid: idempotencyKey: Invalid length: Expected >=1 but received 0",
    "outbound.invalid: message: text is empty",
    'outbound.invalid: channel: "slack" sent to the test queue',
    "outbound.invalid: conversation: not a test conversation id",
    "outbound.invalid: conversation: not a test conversation id",
  ]);
});

test("the platform: down is retried (an error on the last attempt), refusing for good is done", async () => {
  const down = () => new PlatformError("test", "send", { status: 503, reason: "down", retryable: true });
  const blocked = () =>
    new PlatformError("test", "send", { status: 403, reason: "blocked", retryable: false });
  expect(await deliverOutbound(record(message), delivery([], {}, down))).toBe("retry");
  expect(await deliverOutbound(record(message, 3), delivery([], {}, down))).toBe("retry");
  expect(await deliverOutbound(record(message), delivery([], {}, blocked))).toBe("done");
  expect(lines.splice(0).map((line) => `${(line as { level?: string }).level} ${line.event}`)).toEqual([
    "warn outbound.failed",
    "error outbound.failed",
    "error outbound.undeliverable",
  ]);
});
