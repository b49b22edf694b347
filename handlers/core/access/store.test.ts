import { afterAll, beforeAll, expect, test } from "bun:test";
import { useCoreTable } from "../../../test/harness/dynamodb.ts";
import { CODE_TTL_MS, readCode } from "./codes.ts";
import { dynamoAccessStore, MAX_CODES_PER_HOUR, type PairInput } from "./store.ts";

const TABLE = "access-store";
let restore: () => void;
beforeAll(async () => {
  restore = await useCoreTable(TABLE);
});
afterAll(() => restore());

const T0 = Date.UTC(2026, 10, 24, 10, 0, 30);
const ask = (id: string, envelope: string, now = T0): PairInput => ({
  subject: { kind: "user", id },
  name: `User ${id}`,
  by: id,
  reply: { chatId: Number(id) },
  envelope,
  now,
});

test("a stranger's pairing request: one code, the same for a retry, none more while it is valid", async () => {
  const store = dynamoAccessStore(TABLE, "telegram");
  const first = await store.request(ask("100", "telegram:1"), undefined);
  if (!("code" in first)) throw new Error("no code");
  expect(first).toMatchObject({ fresh: true, expires: T0 + CODE_TTL_MS });
  expect(readCode(first.code.toLowerCase())).toBe(first.code);
  const record = await store.record({ kind: "user", id: "100" });
  expect(record?.pending).toEqual({ code: first.code, expires: T0 + CODE_TTL_MS, envelope: "telegram:1" });
  expect(await store.request(ask("100", "telegram:1"), record)).toEqual({ ...first, fresh: false });
  expect(await store.request(ask("100", "telegram:2"), record)).toEqual({ pending: true });
  // Another message racing the first: the store's own condition holds.
  expect(await store.request(ask("100", "telegram:3"), undefined)).toEqual({ pending: true });
  const later = await store.request(ask("100", "telegram:4", T0 + CODE_TTL_MS + 1), record);
  expect(later).toMatchObject({ fresh: true });
  expect((await store.list(T0 + CODE_TTL_MS + 1)).pending.map((p) => p.subject.id)).toEqual(["100"]);
});

test("a code is used once: the same envelope again gets the same request, any other nothing; expired ones nothing", async () => {
  const store = dynamoAccessStore(TABLE, "telegram");
  const asked = await store.request(ask("200", "telegram:10"), undefined);
  if (!("code" in asked)) throw new Error("no code");
  const request = await store.redeem(asked.code, "telegram:11", T0 + 1000);
  expect(request).toEqual({
    code: asked.code,
    subject: { kind: "user", id: "200" },
    name: "User 200",
    by: "200",
    reply: { chatId: 200 },
    expires: asked.expires,
  });
  expect(await store.redeem(asked.code, "telegram:11", T0 + 2000)).toEqual(request);
  expect(await store.redeem(asked.code, "telegram:12", T0 + 2000)).toBeUndefined();
  expect(await store.redeem("ZZZZZZ", "telegram:12", T0)).toBeUndefined();
  const stale = await store.request(ask("201", "telegram:13"), undefined);
  if (!("code" in stale)) throw new Error("no code");
  expect(await store.redeem(stale.code, "telegram:14", stale.expires + 1)).toBeUndefined();
});

test("grants, modes and revocations, listed by the index", async () => {
  const store = dynamoAccessStore(TABLE, "slack");
  await store.grant({ kind: "user", id: "U1" }, { at: T0, by: "UADMIN", name: "Ada" });
  await store.grant({ kind: "group", id: "C1" }, { at: T0, by: "UADMIN" });
  await store.setMode({ kind: "group", id: "C1" }, "always");
  expect(await store.record({ kind: "user", id: "U1" })).toEqual({
    granted: { at: T0, by: "UADMIN", name: "Ada" },
  });
  const list = await store.list(T0);
  expect(list.grants.toSorted((a, b) => a.subject.id.localeCompare(b.subject.id))).toEqual([
    { subject: { kind: "group", id: "C1" }, grant: { at: T0, by: "UADMIN" }, mode: "always" },
    { subject: { kind: "user", id: "U1" }, grant: { at: T0, by: "UADMIN", name: "Ada" } },
  ]);
  expect(await store.revoke({ kind: "user", id: "U1" }, T0)).toBe(true);
  expect(await store.revoke({ kind: "user", id: "U1" }, T0)).toBe(false);
  expect((await store.record({ kind: "user", id: "U1" }))?.granted).toBeUndefined();
  expect((await store.list(T0)).grants.map((g) => g.subject.id)).toEqual(["C1"]);
  // Another channel's table items are not this one's.
  expect((await dynamoAccessStore(TABLE, "discord").list(T0)).grants).toEqual([]);
});

test("rate counts per minute and per UTC day, several messages at once", async () => {
  const store = dynamoAccessStore(TABLE, "telegram");
  expect(await store.count("300", 1, T0)).toEqual({ minute: 1, day: 1 });
  expect(await store.count("300", 2, T0 + 1000)).toEqual({ minute: 3, day: 3 });
  expect(await store.count("300", 1, T0 + 60_000)).toEqual({ minute: 1, day: 4 });
  // A writer whose clock is a little behind counts into the newer minute.
  expect(await store.count("300", 1, T0 + 59_000)).toEqual({ minute: 2, day: 5 });
  expect(await store.count("300", 1, T0 + 24 * 3600_000)).toEqual({ minute: 1, day: 1 });
  const racing = await Promise.all(Array.from({ length: 5 }, () => store.count("301", 1, T0)));
  expect(racing.map((c) => c.minute).toSorted()).toEqual([1, 2, 3, 4, 5]);
});

test("the daily cap counter, a user told once a day, and pairing codes per hour", async () => {
  const store = dynamoAccessStore(TABLE, "whatsapp");
  expect([
    await store.invocation(T0),
    await store.invocation(T0),
    await store.invocation(T0 + 86_400_000),
  ]).toEqual([1, 2, 1]);
  expect([await store.firstCapNotice("1", T0), await store.firstCapNotice("1", T0)]).toEqual([true, false]);
  expect(await store.firstCapNotice("1", T0 + 86_400_000)).toBe(true);
  await store.seen("admin", T0);
  expect([await store.lastSeen("admin"), await store.lastSeen("other")]).toEqual([T0, undefined]);
  const hour = T0 + 7 * 86_400_000;
  const outcomes = [];
  for (let i = 0; i <= MAX_CODES_PER_HOUR; i++)
    outcomes.push(await store.request(ask(`9${i}`, `w:${i}`, hour), undefined));
  expect(outcomes.filter((o) => "code" in o)).toHaveLength(MAX_CODES_PER_HOUR);
  expect(outcomes.at(-1)).toEqual({ busy: true });
});
