import { afterAll, beforeAll, expect, test } from "bun:test";
import { sampleEnvelope } from "../../../test/fixtures.ts";
import { useCoreTable } from "../../../test/harness/dynamodb.ts";
import { setEnv } from "../../../test/harness/env.ts";
import type { Envelope } from "../envelope.ts";
import { notices } from "../notices.ts";
import type { Received } from "../worker/receive.ts";
import type { AccessContext } from "./context.ts";
import { admit, capInvocation } from "./gate.ts";
import { type AccessSettings, allowlistOnly } from "./settings.ts";
import { dynamoAccessStore } from "./store.ts";
import { accessTexts } from "./texts.ts";

const TABLE = "access-gate";
let restore: () => void;
beforeAll(async () => {
  restore = await useCoreTable(TABLE);
  const env = setEnv({ LOG_LEVEL: "error" });
  const table = restore;
  restore = () => {
    env();
    table();
  };
});
afterAll(() => restore());

const ADMIN = "1";
let eventId = 0;
let clock = Date.UTC(2026, 10, 24, 10, 0, 0);

/** A channel of its own per test (a fresh store), admins `1`, and what it sent elsewhere. */
function gate(settings: Partial<AccessSettings> = {}, channel = `t${++eventId}`) {
  const sent: { to: unknown; key: string; text: string; buttons: number }[] = [];
  const context: AccessContext = {
    channel,
    settings: { ...allowlistOnly("7"), policy: "pairing", admins: new Set([ADMIN]), ...settings },
    store: dynamoAccessStore(TABLE, channel),
    answersStrangers: true,
    directWindowMs: undefined,
    reach: {
      direct: async (userId) => ({ chat: userId }),
      send: async (to, key, text, buttons) => {
        if (sent.some((s) => s.key === key)) return true;
        sent.push({ to, key, text, buttons: buttons?.length ?? 0 });
        return true;
      },
    },
    now: () => clock,
  };
  const say = async (envelope: Partial<Envelope>, id = String(++eventId)) => {
    const admission = await admit([message({ eventId: id, ...envelope })], context);
    return "answer" in admission ? admission.answer : "admitted";
  };
  return { context, sent, say };
}

function message(envelope: Partial<Envelope>): Received<unknown> {
  const full = { ...sampleEnvelope, user: { id: "9", name: "Stranger" }, ...envelope };
  return { envelope: full, id: `t:${full.eventId}`, reply: full.reply, attempt: 1 };
}
const from = (id: string, text = "hi", more: Partial<Envelope> = {}): Partial<Envelope> => ({
  user: { id, name: `User ${id}` },
  conversation: id,
  text,
  reply: { chat: id },
  ...more,
});
const command = (id: string, name: Envelope["command"], text = "", more: Partial<Envelope> = {}) =>
  from(id, text, { command: name, ...more });
const codeIn = (text: string | undefined) => /\b([0-9A-Z]{6})\b/.exec(text ?? "")?.[1] ?? "";

test("pairing: a code for the stranger, the admin asked with buttons, allowed, told, and then let through", async () => {
  const { say, sent, context } = gate();
  const answer = await say(from("9"), "100");
  const code = codeIn(answer);
  expect(answer).toBe(accessTexts.pairing(code));
  expect(sent).toEqual([
    {
      to: { chat: ADMIN },
      key: `notice:${context.channel}:${code}:${ADMIN}`,
      text: expect.stringContaining(`/allow ${code}`),
      buttons: 2,
    },
  ]);
  expect(await say(from("9", "hello?"))).toBeUndefined(); // pending: nothing more
  expect(await say(from("9"), "100")).toBe(answer); // a retry of the asking message: the same code
  expect(await say(command(ADMIN, "allow", code.toLowerCase()), "200")).toBe(
    "Allowed User 9 (9). They have been told.",
  );
  expect(sent.at(-1)).toMatchObject({ to: { chat: "9" }, text: accessTexts.allowedUser });
  expect(await say(command(ADMIN, "allow", code), "200")).toBe("Allowed User 9 (9). They have been told."); // retried
  expect(await say(command(ADMIN, "allow", code))).toBe(accessTexts.unknownCode); // replayed
  expect(await say(from("9"))).toBe("admitted");
});

test("deny, an expired code, a wrong admin, and a revoked user", async () => {
  const { say } = gate();
  const denied = codeIn(await say(from("20")));
  expect(await say(command("7", "deny", denied))).toBe(accessTexts.adminsOnly); // allowed, not an admin
  expect(codeIn(await say(command("21", "allow", denied)))).not.toBe(""); // a stranger's /allow: their own request
  expect(await say(command(ADMIN, "deny", denied))).toBe("Denied User 20 (20). They are not told.");
  expect(await say(from("20"))).toBeUndefined(); // the denied request keeps them waiting out the hour
  const late = codeIn(await say(from("22")));
  clock += 61 * 60_000;
  expect(await say(command(ADMIN, "allow", late))).toBe(accessTexts.unknownCode);
  const again = codeIn(await say(from("22")));
  expect(again).not.toBe(late);
  await say(command(ADMIN, "allow", again));
  expect(await say(from("22"))).toBe("admitted");
  expect(await say(command(ADMIN, "revoke", "22"))).toBe("Revoked 22.");
  expect(codeIn(await say(from("22")))).not.toBe(""); // a stranger again
  expect(await say(command(ADMIN, "revoke", "7"))).toContain("allowed by the module's allowed_users");
});

test("groups: an unknown one is not answered (a code; the admin told /allow), an allowed one is, to all its members", async () => {
  const { say } = gate();
  const inGroup = (id: string, more: Partial<Envelope> = {}) =>
    from(id, "hi bot", { conversation: "-500", group: true, reply: { chat: "-500" }, ...more });
  const asked = await say(inGroup("7"));
  expect(asked).toBe(accessTexts.groupPairing(codeIn(asked)));
  expect(await say(inGroup("8"))).toBeUndefined(); // one request per group while it is valid
  expect(await say(inGroup(ADMIN))).toBe(accessTexts.groupNotEnabled);
  expect(await say(inGroup("9", { addressed: false }))).toBeUndefined();
  expect(await say(command(ADMIN, "allow", "", { conversation: "-500", group: true }))).toBe(
    accessTexts.allowedGroup,
  );
  expect(await say(inGroup("9"))).toBe("admitted");
  expect(await say(inGroup("9", { addressed: false }))).toBeUndefined(); // mention mode: chatter stays out
  expect(await say(command(ADMIN, "group", "always", { conversation: "-500", group: true }))).toContain(
    "group_policy is mention",
  );
});

test("allowlist: strangers refused, no codes; open: everyone; a channel that answers no strangers stays silent", async () => {
  expect(await gate({ policy: "allowlist" }).say(from("9"))).toBe(notices.refused);
  expect(await gate({ policy: "open" }).say(from("9"))).toBe("admitted");
  const quiet = gate();
  const context = { ...quiet.context, answersStrangers: false };
  expect(await admit([message(from("9"))], context)).toEqual({ answer: undefined });
  expect(quiet.sent).toEqual([]);
});

test("rate limits: over the minute's, told once and nothing goes on; admins exempt", async () => {
  const { say } = gate({ perMinute: 2, perDay: 100 });
  expect([await say(from("7")), await say(from("7"))]).toEqual(["admitted", "admitted"]);
  expect(await say(from("7"))).toBe(accessTexts.rateLimited("minute"));
  expect(await say(from("7"))).toBeUndefined();
  for (let i = 0; i < 4; i++) expect(await say(from(ADMIN))).toBe("admitted");
  clock += 60_000;
  expect(await say(from("7"))).toBe("admitted");
});

test("the daily cap: past it users are told once and the admins alerted once; admins still answered", async () => {
  const { context, sent } = gate({ dailyCap: 1 });
  const invoke = (user: string) => capInvocation(message(from(user)), user === ADMIN, context);
  expect(await invoke("7")).toBeUndefined();
  expect(await invoke("7")).toEqual({ answer: accessTexts.capped });
  expect(await invoke("7")).toEqual({ answer: undefined });
  expect(await invoke(ADMIN)).toBeUndefined();
  expect(sent.map((s) => s.text)).toEqual([expect.stringContaining("cap of 1")]);
});
