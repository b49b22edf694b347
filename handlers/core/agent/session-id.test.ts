import { expect, test } from "bun:test";
import * as v from "valibot";
import { sampleEnvelope as sample } from "../../../test/fixtures.ts";
import { sha256Hex } from "../crypto.ts";
import { SessionKeySchema, sessionId, sessionScopeKey, withSessionKey } from "./session-id.ts";

const KEY = "k".repeat(32);

test("session ids are deterministic, per conversation and thread, and long enough for AgentCore", () => {
  const id = sessionId(sample);
  expect(id).toBe(sessionId({ ...sample }));
  expect(id).toMatch(/^telegram-[0-9a-f]{64}$/);
  expect(id.length).toBeGreaterThanOrEqual(33);
  expect(id.length).toBeLessThanOrEqual(256);
  expect(sessionId({ ...sample, conversation: "43" })).not.toBe(id);
  expect(sessionId({ ...sample, thread: "1" })).not.toBe(id);
  expect(sessionId({ ...sample, channel: "slack" })).not.toBe(id);
});

test("each /new generation of a conversation has its own session id; the first is the plain one", () => {
  const ids = [0, 1, 2, 10].map((generation) => sessionId(sample, generation));
  expect(ids[0]).toBe(sessionId(sample));
  expect(new Set(ids).size).toBe(4);
  for (const id of ids) expect(id).toMatch(/^telegram-[0-9a-f]{64}$/);
});

test("without a key, the ids of earlier versions: existing deployments keep their sessions", () => {
  expect(sessionId(sample)).toBe(`telegram-${sha256Hex("telegram:42")}`);
  expect(sessionId(sample, 2)).toBe(`telegram-${sha256Hex("telegram:42#2")}`);
});

test("with the deployment's key, ids are an HMAC nobody without the key can compute", () => {
  const keyed = sessionId(sample, 0, { scope: "conversation", key: KEY });
  expect(keyed).toMatch(/^telegram-[0-9a-f]{64}$/);
  expect(keyed).not.toBe(sessionId(sample));
  expect(keyed).not.toBe(sessionId(sample, 0, { scope: "conversation", key: "j".repeat(32) }));
  expect(sessionId(sample, 1, { scope: "conversation", key: KEY })).not.toBe(keyed);
});

test("per-user scope: one session per user in each conversation", () => {
  const user = { scope: "user", key: KEY } as const;
  expect(sessionScopeKey(sample, "conversation")).toBe("telegram:42");
  expect(sessionScopeKey(sample, "user")).toBe("telegram:42#user:7");
  const ada = sessionId(sample, 0, user);
  expect(sessionId({ ...sample, user: { id: "8" } }, 0, user)).not.toBe(ada);
  expect(sessionId({ ...sample, user: { id: "7", name: "Renamed" } }, 0, user)).toBe(ada);
  expect(ada).not.toBe(sessionId(sample, 0, { scope: "conversation", key: KEY }));
});

test("the secret's session_key: optional, 32 to 512 visible characters; others keys kept by the channel's schema", () => {
  const schema = withSessionKey(v.object({ bot_token: v.string() }));
  expect(v.parse(schema, { bot_token: "t", session_key: KEY, extra: 1 })).toEqual({
    bot_token: "t",
    session_key: KEY,
  });
  expect(v.parse(schema, { bot_token: "t" })).toEqual({ bot_token: "t" });
  for (const bad of ["short", "k".repeat(513), `${"k".repeat(31)} `, 42]) {
    expect(v.safeParse(SessionKeySchema, { session_key: bad }).success).toBe(false);
  }
  expect(v.safeParse(schema, { session_key: KEY }).success).toBe(false); // the channel's own keys still required
});
