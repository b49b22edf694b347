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

/**
 * Runs setup or teardown and returns what it did (the invocation's result, shown in plan). The secret
 * is read only then (setup runs on apply, often right after it changed).
 *
 * A teardown run by `terraform destroy` never fails the destroy: the platform registration it undoes
 * (a webhook, commands) may be out of reach for good (a revoked token, a deleted app or secret), and a
 * failure would block the destroy of everything else forever. It is logged as a warning instead, and
 * what is left is the platform pointing at a URL that no longer answers. Setup, and a teardown asked for
 * by hand, still fail loudly.
 */
export async function runSetup<Secret, Reply>(
  adapter: ChannelAdapter<Secret, Reply>,
  readSecret: () => Promise<Secret>,
  event: SetupEvent,
): Promise<Record<string, unknown>> {
  if (event.tf?.action === "delete") {
    try {
      return await teardown(adapter, await readSecret());
    } catch (err) {
      log.warn("setup.teardown_failed", { channel: adapter.channel, err });
      return { action: "teardown", teardown: "failed, destroy goes on", reason: (err as Error).name };
    }
  }
  if (event.action === "teardown") return teardown(adapter, await readSecret());
  if (!event.url) throw new Error("setup needs the public https url of the ingress route");
  const result = await adapter.setup(await readSecret(), { url: event.url });
  log.info("setup.done", { channel: adapter.channel, url: event.url });
  return { action: "setup", url: event.url, ...result };
}

async function teardown<Secret, Reply>(
  adapter: ChannelAdapter<Secret, Reply>,
  secret: Secret,
): Promise<Record<string, unknown>> {
  const result = await adapter.teardown(secret);
  log.info("setup.teardown", { channel: adapter.channel });
  return { action: "teardown", ...result };
}

/** Waits between attempts at a platform call that checks a route API Gateway may not serve yet, in ms. */
export const ROUTE_RETRY_DELAYS_MS = [2_000, 4_000, 8_000, 16_000];

/**
 * Runs `attempt`, again after each delay while it fails with an error `notLiveYet` recognises: a platform
 * that calls the new route back at once (Discord's endpoint check, Meta's callback verification) can
 * reach API Gateway before it serves the route, a few seconds after apply created it.
 */
export async function retryWhileRouteDeploys<T>(
  what: string,
  attempt: () => Promise<T>,
  notLiveYet: (error: unknown) => boolean,
  delaysMs: readonly number[] = ROUTE_RETRY_DELAYS_MS,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const delay = delaysMs[i];
      if (!notLiveYet(error) || delay === undefined) throw error;
      log.info("setup.route_not_live", { what, attempt: i + 1, retryInMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
