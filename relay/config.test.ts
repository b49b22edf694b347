import { afterEach, describe, expect, test } from "bun:test";
import { setEnv } from "../test/harness/env.ts";
import { readRelayConfig } from "./config.ts";

const CLEAR = {
  DISCORD_QUEUE_URL: undefined,
  DISCORD_BOT_TOKEN: undefined,
  DISCORD_SECRET_ARN: undefined,
  DISCORD_API_URL: undefined,
  WHATSAPP_PERSONAL_QUEUE_URL: undefined,
  OUTBOUND_QUEUE_URL: undefined,
  STATE_BUCKET: undefined,
  AUTH_PREFIX: undefined,
  WHATSAPP_ALLOWED_USERS: undefined,
  WHATSAPP_GROUP_TRIGGER: undefined,
  WHATSAPP_LOG_QR: undefined,
  WHATSAPP_MEDIA_BUCKET: undefined,
  WHATSAPP_MAX_ATTACHMENT_BYTES: undefined,
  WHATSAPP_MAX_ATTACHMENTS: undefined,
  HEALTH_HOST: undefined,
  PORT: undefined,
  SHUTDOWN_TIMEOUT_MS: undefined,
};
const QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-discord.fifo";
let restore = () => {};
const withEnv = (vars: Record<string, string | undefined>) => {
  restore = setEnv({ ...CLEAR, ...vars });
};
afterEach(() => restore());

describe("readRelayConfig", () => {
  test("WhatsApp personal's media bucket and limits (the worker's defaults); none without a bucket", () => {
    const whatsapp = {
      WHATSAPP_PERSONAL_QUEUE_URL: QUEUE,
      OUTBOUND_QUEUE_URL: QUEUE,
      STATE_BUCKET: "b",
      WHATSAPP_ALLOWED_USERS: "491701234567@s.whatsapp.net",
    };
    withEnv(whatsapp);
    expect(readRelayConfig().whatsapp?.media).toBeUndefined();
    restore();
    withEnv({ ...whatsapp, WHATSAPP_MEDIA_BUCKET: "bot-media", WHATSAPP_MAX_ATTACHMENTS: "3" });
    expect(readRelayConfig().whatsapp?.media).toEqual({
      bucket: "bot-media",
      maxBytes: 20 * 1024 * 1024,
      maxCount: 3,
    });
    restore();
    withEnv({ ...whatsapp, WHATSAPP_MEDIA_BUCKET: "bot-media", WHATSAPP_MAX_ATTACHMENT_BYTES: "lots" });
    expect(() => readRelayConfig()).toThrow("WHATSAPP_MAX_ATTACHMENT_BYTES");
  });

  test("Discord with the secret; defaults for the rest", () => {
    withEnv({ DISCORD_QUEUE_URL: QUEUE, DISCORD_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:1:secret:x" });
    expect(readRelayConfig()).toEqual({
      port: 8080,
      hostname: "0.0.0.0",
      shutdownTimeoutMs: 20_000,
      discord: {
        queueUrl: QUEUE,
        secretArn: "arn:aws:secretsmanager:us-east-1:1:secret:x",
        apiUrl: "https://discord.com/api/v10",
      },
    });
  });

  test("WhatsApp personal needs its outbound queue and bucket", () => {
    withEnv({ WHATSAPP_PERSONAL_QUEUE_URL: QUEUE });
    expect(() => readRelayConfig()).toThrow("OUTBOUND_QUEUE_URL is not set");
    restore();
    withEnv({ WHATSAPP_PERSONAL_QUEUE_URL: QUEUE, OUTBOUND_QUEUE_URL: QUEUE });
    expect(() => readRelayConfig()).toThrow("STATE_BUCKET is not set");
    restore();
    withEnv({ WHATSAPP_PERSONAL_QUEUE_URL: QUEUE, OUTBOUND_QUEUE_URL: QUEUE, STATE_BUCKET: "b" });
    expect(() => readRelayConfig()).toThrow("WHATSAPP_ALLOWED_USERS is not set");
    restore();
    withEnv({
      WHATSAPP_PERSONAL_QUEUE_URL: QUEUE,
      OUTBOUND_QUEUE_URL: QUEUE,
      STATE_BUCKET: "b",
      WHATSAPP_ALLOWED_USERS: " 491701234567@s.whatsapp.net, 77001122334455@lid ",
      PORT: "9000",
      HEALTH_HOST: "127.0.0.1",
    });
    expect(readRelayConfig()).toMatchObject({
      port: 9000,
      hostname: "127.0.0.1",
      stateBucket: "b",
      whatsapp: {
        queueUrl: QUEUE,
        outboundQueueUrl: QUEUE,
        bucket: "b",
        prefix: "whatsapp-personal/",
        allowedUsers: ["491701234567@s.whatsapp.net", "77001122334455@lid"],
        logQr: false,
      },
    });
    expect(readRelayConfig().whatsapp?.groupTrigger).toBeUndefined();
  });

  test("WhatsApp's allowlist, group trigger and QR switch are checked, bad values named", () => {
    const whatsapp = { WHATSAPP_PERSONAL_QUEUE_URL: QUEUE, OUTBOUND_QUEUE_URL: QUEUE, STATE_BUCKET: "b" };
    for (const [bad, named] of [
      ["+49 170 1234567", '"+49 170 1234567"'],
      ["491701234567", '"491701234567"'],
      ["491701234567@s.whatsapp.net,120363000000000001@g.us", '"120363000000000001@g.us"'],
      ["4917:2@s.whatsapp.net", '"4917:2@s.whatsapp.net"'],
      [",", "lists nobody"],
    ] as const) {
      withEnv({ ...whatsapp, WHATSAPP_ALLOWED_USERS: bad });
      expect(() => readRelayConfig()).toThrow(named);
      restore();
    }
    for (const bad of ["two words", "x".repeat(33)]) {
      withEnv({ ...whatsapp, WHATSAPP_ALLOWED_USERS: "*", WHATSAPP_GROUP_TRIGGER: bad });
      expect(() => readRelayConfig()).toThrow("WHATSAPP_GROUP_TRIGGER");
      restore();
    }
    withEnv({ ...whatsapp, WHATSAPP_ALLOWED_USERS: "*", WHATSAPP_LOG_QR: "maybe" });
    expect(() => readRelayConfig()).toThrow("WHATSAPP_LOG_QR");
    restore();
    withEnv({
      ...whatsapp,
      WHATSAPP_ALLOWED_USERS: "*",
      WHATSAPP_GROUP_TRIGGER: "!AI",
      WHATSAPP_LOG_QR: "true",
    });
    expect(readRelayConfig().whatsapp).toMatchObject({
      allowedUsers: ["*"],
      groupTrigger: "!AI",
      logQr: true,
    });
  });

  test("half a Discord configuration is refused, naming what is missing and never the token", () => {
    withEnv({ DISCORD_BOT_TOKEN: "secret-token-value" });
    expect(() => readRelayConfig()).toThrow("DISCORD_QUEUE_URL is not set");
    try {
      readRelayConfig();
    } catch (error) {
      expect(String(error)).not.toContain("secret-token-value");
    }
    restore();
    withEnv({ DISCORD_QUEUE_URL: QUEUE });
    expect(() => readRelayConfig()).toThrow("DISCORD_SECRET_ARN");
  });

  test("bad values are named", () => {
    withEnv({ DISCORD_QUEUE_URL: "not a url", DISCORD_BOT_TOKEN: "t" });
    expect(() => readRelayConfig()).toThrow('DISCORD_QUEUE_URL="not a url" is not a URL');
    restore();
    withEnv({ DISCORD_QUEUE_URL: QUEUE, DISCORD_BOT_TOKEN: "t", PORT: "http" });
    expect(() => readRelayConfig()).toThrow("PORT");
    restore();
    withEnv({ DISCORD_QUEUE_URL: QUEUE, DISCORD_BOT_TOKEN: "t", HEALTH_HOST: "localhost" });
    expect(() => readRelayConfig()).toThrow('HEALTH_HOST="localhost" is not an IP address');
  });

  test("nothing configured: says what to set", () => {
    withEnv({});
    expect(() => readRelayConfig()).toThrow("nothing to relay");
  });
});
