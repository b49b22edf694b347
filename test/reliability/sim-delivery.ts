/**
 * The messages of the simulation and the platform delivering them: per conversation in order, a 5xx
 * answer repeated as the platform repeats it, a few deliveries made twice.
 */
import { sleep } from "../../emulators/http.ts";
import type { ChannelProfile } from "./channels/profile.ts";
import type { Rig } from "./rig.ts";
import { type FaultRates, frac, type Tracked, tokenOf } from "./sim-faults.ts";

/** What of the simulation's settings (sim.ts SimConfig) the messages and their delivery depend on. */
export interface DeliveryConfig {
  readonly seed: number;
  readonly conversations: number;
  readonly messagesPerConversation: number;
  readonly strangerEvery: number;
  readonly faults: FaultRates;
}

/** The messages of a run, with their fates (a stranger's, always failing, refused for good). */
export function makeMessages(profile: ChannelProfile, config: DeliveryConfig): Tracked[] {
  const messages: Tracked[] = [];
  for (let c = 0; c < config.conversations; c++) {
    const stranger = c % config.strangerEvery === config.strangerEvery - 1;
    for (let s = 0; s < config.messagesPerConversation; s++) {
      const token = tokenOf(c, s);
      const roll = frac(config.seed, "fate", token);
      const { doomed, refused } = config.faults;
      messages.push({
        conversation: c,
        seq: s,
        token,
        userId: stranger ? profile.users.stranger(c) : profile.users.allowed(c),
        eventNumber: 700_000_000 + c * 1000 + s,
        stranger,
        doomed: !stranger && roll < doomed,
        refused: !stranger && roll >= doomed && roll < doomed + refused,
        attempts: 0,
        accepted: false,
        gaveUp: false,
      });
    }
  }
  return messages;
}

/** Delivers every message; resolves with what the ingress answered, in counts. */
export async function deliverAll(rig: Rig, messages: Tracked[], config: DeliveryConfig) {
  const stats = { deliveries: 0, outage5xx: 0, duplicates: 0, issues: [] as string[] };
  const once = (message: Tracked): Promise<number | undefined> =>
    rig.platform.deliver(message, async (request) => {
      rig.sqsDown = frac(config.seed, "sqs", message.token, message.attempts) < config.faults.sqsDown;
      const outcome = await rig.deliver({
        method: request.route.method,
        path: request.route.path,
        headers: request.headers,
        ...(request.query ? { query: request.query } : {}),
        body: request.body,
      });
      rig.sqsDown = false;
      stats.deliveries += 1;
      if (outcome.outage && (outcome.status ?? 0) >= 500) stats.outage5xx += 1;
      if (outcome.threw !== undefined) stats.issues.push(`${message.token}: ${String(outcome.threw)}`);
      return { status: outcome.status, body: outcome.body };
    });
  const pending = Array.from({ length: config.conversations }, (_, c) =>
    messages.filter((m) => m.conversation === c),
  );
  const waitUntil = new Array<number>(config.conversations).fill(0);
  while (pending.some((list) => list.length > 0)) {
    for (const [c, list] of pending.entries()) {
      const message = list[0];
      if (!message || (waitUntil[c] ?? 0) > Date.now()) continue;
      const status = await once(message);
      message.attempts += 1;
      if (status !== undefined && status < 300) {
        message.accepted = true;
        list.shift();
        if (frac(config.seed, "duplicate", message.token) < config.faults.duplicate) {
          stats.duplicates += 1;
          await once(message);
        }
      } else if (status !== undefined && status >= 500 && message.attempts <= rig.platform.retries) {
        waitUntil[c] = Date.now() + 100;
      } else {
        if (status === undefined || status < 500) stats.issues.push(`${message.token}: HTTP ${status}`);
        message.gaveUp = true;
        list.shift();
      }
    }
    await sleep(2);
  }
  return stats;
}
