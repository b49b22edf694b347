import { afterAll, beforeAll, expect, test } from "bun:test";
import * as v from "valibot";
import { awsTestEnv } from "../../emulators/aws-env.ts";
import { type FakeSecretsManager, startSecretsManager } from "../../emulators/secrets-manager.ts";
import { setEnv } from "../../test/harness/env.ts";
import { withSessionKey } from "./agent/session-id.ts";
import { ConfigError } from "./errors.ts";
import { SecretError, secretIfConfigured, secretLoader, verifyWithSecret } from "./secrets.ts";

const Schema = v.object({ token: v.string() });
let fake: FakeSecretsManager;
let restore: () => void;

beforeAll(async () => {
  fake = await startSecretsManager({ secrets: { "relay/test": { token: "one" } } });
  restore = setEnv({
    ...awsTestEnv({ secrets: fake, maxAttempts: 1 }),
    SECRET_ARN: fake.arnOf("relay/test"),
  });
});
afterAll(async () => {
  restore();
  await fake.close();
});

test("read once per container, validated, again on fresh()", async () => {
  fake.reset();
  const secret = secretLoader(Schema);
  expect(await secret()).toEqual({ token: "one" });
  expect(await secret()).toEqual({ token: "one" });
  expect(fake.callCount()).toBe(1);
  await secret.fresh();
  expect(fake.callCount()).toBe(2);
});

test("a failed read is not cached; a bad secret names the key, not the value", async () => {
  fake.reset();
  fake.fail({ type: "InternalServiceError" });
  const secret = secretLoader(Schema);
  await expect(secret()).rejects.toBeInstanceOf(SecretError);
  expect(await secret()).toEqual({ token: "one" });

  fake.setSecret("relay/test", { token: 12345 });
  const bad = await secretLoader(Schema)().catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(ConfigError);
  expect((bad as Error).message).toContain("token");
  expect((bad as Error).message).not.toContain("12345");
  fake.setSecret("relay/test", { token: "one" });
});

test("verifyWithSecret re-reads a rotated secret at most once a minute", async () => {
  fake.reset();
  const secret = secretLoader(Schema);
  const is = (token: string) => (s: { token: string }) => (s.token === token ? undefined : "bad token");
  expect(await verifyWithSecret(secret, is("one"))).toBeUndefined();
  fake.setSecret("relay/test", { token: "two" });
  // Cached copy is fresh: a mismatch does not call Secrets Manager again.
  expect(await verifyWithSecret(secret, is("two"))).toBe("bad token");
  expect(fake.callCount()).toBe(1);
  // An hour later the mismatch reads the secret again and sees the rotation.
  const realNow = Date.now;
  Date.now = () => realNow() + 3_600_000;
  try {
    expect(await verifyWithSecret(secret, is("two"))).toBeUndefined();
    expect(await verifyWithSecret(secret, is("forged"))).toBe("bad token");
  } finally {
    Date.now = realNow;
  }
  expect(fake.callCount()).toBe(2);
  fake.setSecret("relay/test", { token: "one" });
});

test("secretIfConfigured: without SECRET_ARN the fallback and no call; with it, the secret, validated", async () => {
  fake.reset();
  const keyed = withSessionKey(v.object({}));
  const withoutArn = setEnv({ SECRET_ARN: undefined });
  try {
    const none = secretIfConfigured(keyed, {});
    expect(await none()).toEqual({});
    expect(await none.fresh()).toEqual({});
    expect(await none.staleAfter(0)).toBeUndefined();
    expect(fake.callCount()).toBe(0);
  } finally {
    withoutArn();
  }
  const key = "a-session-key-of-this-deployment-0123";
  fake.setSecret("relay/test", { session_key: key });
  expect(await secretIfConfigured(keyed, {})()).toEqual({ session_key: key });
  fake.setSecret("relay/test", { session_key: "too short" });
  const bad = await secretIfConfigured(keyed, {})().catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(ConfigError);
  expect((bad as Error).message).toContain("session_key");
  expect((bad as Error).message).not.toContain("too short");
  fake.setSecret("relay/test", { token: "one" });
});
