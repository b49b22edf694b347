import { expect, test } from "bun:test";
import * as v from "valibot";
import type { ChannelAdapter } from "./adapter.ts";
import { runSetup, SetupEventSchema } from "./setup.ts";

const calls: string[] = [];
const adapter = {
  channel: "test",
  setup: async (_secret: unknown, { url }: { url: string }) => {
    calls.push(`setup ${url}`);
    return { registered: true };
  },
  teardown: async () => {
    calls.push("teardown");
    return {};
  },
} as unknown as ChannelAdapter<unknown, unknown>;

const parse = (event: unknown) => v.parse(SetupEventSchema, event);

test("setup on create/update, teardown on the provider's delete or by hand", async () => {
  const url = "https://x.execute-api.us-east-1.amazonaws.com/test";
  expect(await runSetup(adapter, {}, parse({ action: "setup", url, revision: "r" }))).toEqual({
    action: "setup",
    url,
    registered: true,
  });
  await runSetup(adapter, {}, parse({ action: "setup", url, tf: { action: "delete", prev_input: {} } }));
  await runSetup(adapter, {}, parse({ action: "teardown" }));
  expect(calls).toEqual([`setup ${url}`, "teardown", "teardown"]);
});

test("only https urls; SQS events are not setup events", async () => {
  expect(v.safeParse(SetupEventSchema, { action: "setup", url: "http://insecure" }).success).toBe(false);
  expect(v.safeParse(SetupEventSchema, { Records: [] }).success).toBe(false);
  await expect(runSetup(adapter, {}, parse({ action: "setup" }))).rejects.toThrow("https url");
});
