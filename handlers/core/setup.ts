import * as v from "valibot";
import type { ChannelAdapter } from "./adapter.ts";
import { log } from "./log.ts";

/**
 * The module's deploy-time action, sent by `aws_lambda_invocation` with lifecycle_scope CRUD:
 * `{"action":"setup","url":…}` on create and update, and the same input with
 * `"tf":{"action":"delete"}` on destroy. `{"action":"teardown"}` also tears down by hand.
 */
export const SetupEventSchema = v.object({
  action: v.picklist(["setup", "teardown"]),
  url: v.optional(v.pipe(v.string(), v.url(), v.startsWith("https://"))),
  tf: v.optional(v.object({ action: v.picklist(["create", "update", "delete"]) })),
});

export type SetupEvent = v.InferOutput<typeof SetupEventSchema>;

/** Runs setup or teardown and returns what it did (the invocation's result, shown in plan). */
export async function runSetup<Secret, Reply>(
  adapter: ChannelAdapter<Secret, Reply>,
  secret: Secret,
  event: SetupEvent,
): Promise<Record<string, unknown>> {
  if (event.action === "teardown" || event.tf?.action === "delete") {
    const result = await adapter.teardown(secret);
    log.info("setup.teardown", { channel: adapter.channel });
    return { action: "teardown", ...result };
  }
  if (!event.url) throw new Error("setup needs the public https url of the ingress route");
  const result = await adapter.setup(secret, { url: event.url });
  log.info("setup.done", { channel: adapter.channel, url: event.url });
  return { action: "setup", url: event.url, ...result };
}
