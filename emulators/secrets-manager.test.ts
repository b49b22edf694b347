import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type FakeSecretsManager, startSecretsManager } from "./secrets-manager.ts";

const FULL_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:relay/slack-Xy12Ab";

const sm: FakeSecretsManager = await startSecretsManager({
  secrets: {
    "relay/telegram": { bot_token: "123:abc", webhook_secret: "whs" },
    [FULL_ARN]: { bot_token: "xoxb-1", signing_secret: "sig" },
    plain: "not json",
  },
});
const client = new SecretsManagerClient({
  region: "us-east-1",
  endpoint: sm.url,
  credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake-secret" },
  maxAttempts: 1,
});
afterAll(async () => {
  client.destroy();
  await sm.close();
});
beforeEach(() => sm.reset());

const get = (SecretId: string) => client.send(new GetSecretValueCommand({ SecretId }));

describe("fake Secrets Manager with the real SecretsManagerClient", () => {
  test("serves secrets by name and by ARN, objects as JSON", async () => {
    const byName = await get("relay/telegram");
    expect(JSON.parse(byName.SecretString ?? "")).toEqual({ bot_token: "123:abc", webhook_secret: "whs" });
    expect(byName.Name).toBe("relay/telegram");
    expect(byName.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:relay\/telegram-[A-Za-z0-9]{6}$/,
    );
    expect(byName.VersionStages).toEqual(["AWSCURRENT"]);
    expect(byName.CreatedDate).toBeInstanceOf(Date);

    const byArn = await get(sm.arnOf("relay/telegram"));
    expect(byArn.SecretString).toBe(byName.SecretString);
    expect((await get(FULL_ARN)).Name).toBe("relay/slack");
    expect((await get("relay/slack")).ARN).toBe(FULL_ARN);
    expect((await get("plain")).SecretString).toBe("not json");
  });

  test("unknown ids fail with ResourceNotFoundException", async () => {
    const error = (await get("nope").then(
      () => undefined,
      (e: unknown) => e,
    )) as { name: string; message: string; $metadata: { httpStatusCode: number } };
    expect(error.name).toBe("ResourceNotFoundException");
    expect(error.message).toBe("Secrets Manager can't find the specified secret.");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  test("counts calls, per secret too, and records inputs", async () => {
    await get("relay/telegram");
    await get(sm.arnOf("relay/telegram"));
    await get("plain");
    expect(sm.callCount()).toBe(3);
    expect(sm.callCount("relay/telegram")).toBe(2);
    expect(sm.calls[0]).toMatchObject({ operation: "GetSecretValue", secretId: "relay/telegram" });
  });

  test("scripted errors and rotation", async () => {
    sm.fail({ type: "InternalServiceError" });
    sm.fail({ type: "AccessDeniedException", message: "not allowed" });
    const first = await get("plain").catch((e: Error) => e);
    const second = await get("plain").catch((e: Error) => e);
    expect([(first as Error).name, (second as Error).name]).toEqual([
      "InternalServiceError",
      "AccessDeniedException",
    ]);
    expect((second as Error).message).toBe("not allowed");
    sm.setSecret("plain", { rotated: true });
    expect((await get("plain")).SecretString).toBe('{"rotated":true}');
  });
});
