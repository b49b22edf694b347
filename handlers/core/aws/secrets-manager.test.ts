/**
 * The lean GetSecretValue against the Secrets Manager emulator: the secret read, and its failures —
 * throttling and 5xx retried, access denied and a missing secret not, a slow answer cut off and
 * retried — each named as the SDK names it.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { awsTestEnv } from "../../../emulators/aws-env.ts";
import { type FakeSecretsManager, startSecretsManager } from "../../../emulators/secrets-manager.ts";
import { setEnv } from "../../../test/harness/env.ts";
import { describeError } from "../log.ts";
import { ATTEMPT_TIMEOUT_MS } from "./call.ts";
import { getSecretValue } from "./secrets-manager.ts";

let fake: FakeSecretsManager;
let restore: () => void;
let SecretId: string;

beforeAll(async () => {
  fake = await startSecretsManager({ secrets: { "relay/lean": { token: "one" } } });
  SecretId = fake.arnOf("relay/lean");
  restore = setEnv({ ...awsTestEnv({ secrets: fake }), AWS_MAX_ATTEMPTS: undefined });
});
afterAll(async () => {
  restore();
  await fake.close();
});
beforeEach(() => fake.reset());

test("reads the secret, by ARN", async () => {
  expect(await getSecretValue({ SecretId })).toMatchObject({
    ARN: SecretId,
    Name: "relay/lean",
    SecretString: '{"token":"one"}',
  });
  expect(fake.calls.map((c) => [c.operation, c.secretId])).toEqual([["GetSecretValue", SecretId]]);
});

test("throttling and a 500 are retried (3 attempts in all)", async () => {
  fake.fail({ type: "ThrottlingException" });
  fake.fail({ type: "InternalServiceError" });
  expect((await getSecretValue({ SecretId })).SecretString).toBe('{"token":"one"}');
  expect(fake.callCount()).toBe(3);
});

test("a 500 on every attempt: the error of the last, with its status, fault and attempts", async () => {
  fake.fail({ type: "InternalServiceError" }, { times: 3 });
  const error = await getSecretValue({ SecretId }).catch((e: unknown) => e);
  expect(fake.callCount()).toBe(3);
  expect(error).toMatchObject({ $metadata: { attempts: 3 } });
  expect(describeError(error)).toMatchObject({ name: "InternalServiceError", status: 500, fault: "server" });
});

test("access denied and a missing secret are not retried", async () => {
  fake.fail({ type: "AccessDeniedException" });
  const denied = await getSecretValue({ SecretId }).catch((e: unknown) => e);
  expect(describeError(denied)).toMatchObject({
    name: "AccessDeniedException",
    status: 400,
    fault: "client",
  });
  const missing = await getSecretValue({ SecretId: "relay/none" }).catch((e: unknown) => e);
  expect(describeError(missing)).toMatchObject({ name: "ResourceNotFoundException", status: 400 });
  expect(fake.callCount()).toBe(2);
});

test(`an answer slower than ${ATTEMPT_TIMEOUT_MS} ms is cut off as a TimeoutError and retried`, async () => {
  fake.fail({ type: "InternalServiceError", delayMs: ATTEMPT_TIMEOUT_MS + 500 });
  expect((await getSecretValue({ SecretId })).SecretString).toBe('{"token":"one"}');
  expect(fake.callCount()).toBe(2);
  const once = setEnv({ AWS_MAX_ATTEMPTS: "1" });
  try {
    fake.fail({ type: "InternalServiceError", delayMs: ATTEMPT_TIMEOUT_MS + 500 });
    const error = await getSecretValue({ SecretId }).catch((e: unknown) => e);
    expect(describeError(error)).toEqual({ name: "TimeoutError" });
  } finally {
    once();
  }
}, 15_000);
