/**
 * The ingress bundle in Lambda's init phase (AWS_LAMBDA_INITIALIZATION_TYPE set, as Lambda sets it):
 * the channel secret is read while the module loads, so the first request finds it and reads nothing;
 * imported anywhere else (tests, the dev stack) the bundle makes no call.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import { type FakeSecretsManager, startSecretsManager } from "../emulators/secrets-manager.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../emulators/sqs.ts";
import { DEFAULT_TELEGRAM_TOKEN, telegramTextUpdate } from "../emulators/telegram.ts";
import { loadBundle } from "./harness/bundles.ts";
import { withEnv } from "./harness/env.ts";

const BUNDLE = join(import.meta.dir, "..", "modules", "telegram", "dist", "ingress.mjs");
const WEBHOOK_SECRET = "init_phase_webhook_secret_0123";

type Ingress = { handler: (event: unknown, context: unknown) => Promise<{ statusCode: number }> };

let sqs: LocalSqs;
let pair: FifoPair;
let secrets: FakeSecretsManager;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  [sqs, secrets] = await Promise.all([startSqs(), startSecretsManager()]);
  pair = await sqs.createFifoPair("ingress-init");
  const { arn } = secrets.setSecret("relay/telegram", {
    bot_token: DEFAULT_TELEGRAM_TOKEN,
    webhook_secret: WEBHOOK_SECRET,
  });
  env = { ...awsTestEnv({ sqs, secrets }), QUEUE_URL: pair.queueUrl, SECRET_ARN: arn, LOG_LEVEL: "error" };
});
afterAll(async () => {
  await Promise.all([sqs.close(), secrets.close()]);
});

const update = (messageId: number) =>
  httpApiEvent({
    method: "POST",
    path: "/telegram",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
    body: JSON.stringify(telegramTextUpdate({ text: "hi", userId: 7, messageId })),
  });

test("in Lambda's init the secret is read at import; the first request reads nothing and is queued", async () => {
  secrets.reset();
  await withEnv({ ...env, AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand" }, async () => {
    const ingress = await loadBundle<Ingress>(BUNDLE);
    for (let i = 0; i < 100 && secrets.callCount() === 0; i++) await Bun.sleep(10);
    expect(secrets.callCount()).toBe(1);
    const response = await ingress.handler(update(1), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(secrets.callCount()).toBe(1);
  });
  expect(await sqs.receiveAll(pair.queueUrl)).toHaveLength(1);
});

test("outside Lambda the import makes no call; the first request reads the secret", async () => {
  secrets.reset();
  await withEnv({ ...env, AWS_LAMBDA_INITIALIZATION_TYPE: undefined }, async () => {
    const ingress = await loadBundle<Ingress>(BUNDLE);
    await Bun.sleep(50);
    expect(secrets.callCount()).toBe(0);
    expect((await ingress.handler(update(2), lambdaContext())).statusCode).toBe(200);
    expect(secrets.callCount()).toBe(1);
  });
});
