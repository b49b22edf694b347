import { expect, test } from "bun:test";
import * as v from "valibot";
import type { ChannelAdapter } from "./adapter.ts";
import { retryWhileRouteDeploys, runSetup, SetupEventSchema } from "./setup.ts";

const calls: string[] = [];
let failTeardown: Error | undefined;
const adapter = {
  channel: "test",
  setup: async (_secret: unknown, { url }: { url: string }) => {
    calls.push(`setup ${url}`);
    return { registered: true };
  },
  teardown: async () => {
    calls.push("teardown");
    if (failTeardown) throw failTeardown;
    return {};
  },
} as unknown as ChannelAdapter<unknown, unknown>;

const parse = (event: unknown) => v.parse(SetupEventSchema, event);
const secret = async () => ({});
const url = "https://x.execute-api.us-east-1.amazonaws.com/test";
const destroy = parse({ action: "setup", url, tf: { action: "delete", prev_input: {} } });

test("setup on create/update, teardown on the provider's delete or by hand", async () => {
  calls.length = 0;
  expect(await runSetup(adapter, secret, parse({ action: "setup", url, revision: "r" }))).toEqual({
    action: "setup",
    url,
    registered: true,
  });
  await runSetup(adapter, secret, destroy);
  await runSetup(adapter, secret, parse({ action: "teardown" }));
  expect(calls).toEqual([`setup ${url}`, "teardown", "teardown"]);
});

test("a teardown that fails on destroy (revoked token, deleted secret) is logged and never blocks the destroy", async () => {
  class PlatformRefused extends Error {
    override name = "PlatformRefused";
  }
  failTeardown = new PlatformRefused("401 Unauthorized");
  try {
    expect(await runSetup(adapter, secret, destroy)).toEqual({
      action: "teardown",
      teardown: "failed, destroy goes on",
      reason: "PlatformRefused",
    });
    const gone = async () => {
      throw new Error("ResourceNotFoundException: secret scheduled for deletion");
    };
    expect(await runSetup(adapter, gone, destroy)).toMatchObject({ teardown: "failed, destroy goes on" });
    // Asked for by hand, it still fails loudly.
    await expect(runSetup(adapter, secret, parse({ action: "teardown" }))).rejects.toThrow("401");
  } finally {
    failTeardown = undefined;
  }
});

test("only https urls; SQS events are not setup events", async () => {
  expect(v.safeParse(SetupEventSchema, { action: "setup", url: "http://insecure" }).success).toBe(false);
  expect(v.safeParse(SetupEventSchema, { Records: [] }).success).toBe(false);
  await expect(runSetup(adapter, secret, parse({ action: "setup" }))).rejects.toThrow("https url");
});

test("a platform call that checks a route not deployed yet is tried again; other errors are not", async () => {
  let attempts = 0;
  const notLive = (e: unknown) => (e as Error).message === "not live";
  const result = await retryWhileRouteDeploys(
    "test",
    async () => {
      if (++attempts < 3) throw new Error("not live");
      return "ok";
    },
    notLive,
    [1, 1, 1],
  );
  expect([result, attempts]).toEqual(["ok", 3]);
  await expect(
    retryWhileRouteDeploys("test", async () => Promise.reject(new Error("not live")), notLive, [1]),
  ).rejects.toThrow("not live");
  attempts = 0;
  await expect(
    retryWhileRouteDeploys(
      "test",
      async () => {
        attempts++;
        throw new Error("forbidden");
      },
      notLive,
      [1, 1],
    ),
  ).rejects.toThrow("forbidden");
  expect(attempts).toBe(1);
});
