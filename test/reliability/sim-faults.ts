/**
 * The faults of the simulation, decided from the content of each call (the message's token and the
 * attempt number) rather than from call order, so concurrency does not change who fails how.
 */
import { type AgentCoreCall, type AgentReply, agentReply } from "../../emulators/agentcore.ts";
import type { SimMessage, SimPlatform } from "./channels/profile.ts";
import type { ProxiedRequest, ProxyDecision } from "./proxy.ts";
import { hashSeed } from "./rng.ts";

/** Shares (0–1) of the events that fail, and how. */
export interface FaultRates {
  /** Agent invocations failing transiently: 500, 429 throttling, too slow, stream broken, connection reset. */
  readonly agent: number;
  /** Messages whose every agent invocation fails (they end in the DLQ). */
  readonly doomed: number;
  /** Messages the agent refuses for good (AccessDenied: a notice, no retry). */
  readonly refused: number;
  /** Reply sends failing: 429 with retry-after, 5xx, connection reset. */
  readonly platform: number;
  /** Reply sends that hang past the function timeout (the invocation times out). */
  readonly hang: number;
  /** Successful sends right after which the worker process dies (before it can record the send). */
  readonly killAfterSend: number;
  /** Sends during which the worker process dies before the platform gets them (after it recorded the intent). */
  readonly killBeforeSend: number;
  /** Worker invocations killed at a random moment. */
  readonly crash: number;
  /** Worker invocations that throw once their work is done (Lambda fails the whole batch). */
  readonly thrown: number;
  /** Ingress deliveries that find SQS unavailable. */
  readonly sqsDown: number;
  /** Deliveries the platform makes twice. */
  readonly duplicate: number;
}

/** A number in [0, 1) from the parts. */
export const frac = (...parts: (string | number)[]): number => hashSeed(...parts) / 2 ** 32;

/** The token every simulated message carries (and the echo agent answers with). */
export const TOKEN = /c(\d+)m(\d+)q/;

/** The token of conversation `c`, message `s`. */
export const tokenOf = (conversation: number, seq: number): string => `c${conversation}m${seq}q`;

/** A simulated message and its fate. */
export interface Tracked extends SimMessage {
  readonly stranger: boolean;
  /** Every agent call for it fails (it must end in the DLQ with a notice). */
  readonly doomed: boolean;
  /** The agent refuses it for good (a notice, no DLQ). */
  readonly refused: boolean;
  /** Deliveries made to the ingress. */
  attempts: number;
  /** The ingress answered 2xx once. */
  accepted: boolean;
  /** The platform stopped retrying after 5xx answers. */
  gaveUp: boolean;
}

/** The default agent of the simulation: echoes the token, or fails as the rates say. */
export function faultyAgent(
  seed: number,
  rates: FaultRates,
  byToken: ReadonlyMap<string, Tracked>,
  functionTimeoutMs: number,
): { respond: (call: AgentCoreCall) => AgentReply; faults: () => number } {
  const attempts = new Map<string, number>();
  let faults = 0;
  const respond = (call: AgentCoreCall): AgentReply => {
    const prompt = String((call.payload as { prompt?: unknown } | undefined)?.prompt ?? "");
    const token = TOKEN.exec(prompt)?.[0] ?? prompt;
    const attempt = (attempts.get(token) ?? 0) + 1;
    attempts.set(token, attempt);
    const message = byToken.get(token);
    if (message?.doomed || message?.refused) {
      faults += 1;
      return agentReply.error(message.doomed ? "InternalServerException" : "AccessDeniedException");
    }
    if (frac(seed, "agent", token, attempt) < rates.agent) {
      faults += 1;
      switch (hashSeed(seed, "agent-kind", token, attempt) % 5) {
        case 0:
          return agentReply.error("InternalServerException");
        case 1:
          return agentReply.error("ThrottlingException");
        case 2:
          return agentReply.json({ response: `echo: ${token}` }, { delayMs: functionTimeoutMs + 500 });
        case 3:
          return agentReply.sse(['"echo: ', `${token}"`], { breakAfterChunks: 1, chunkDelayMs: 5 });
        default:
          return agentReply.destroy();
      }
    }
    return attempt % 2 === 0
      ? agentReply.sseJson(["echo: ", token])
      : agentReply.json({ response: `echo: ${token}` });
  };
  return { respond, faults: () => faults };
}

/**
 * The decisions of the fault proxy in front of the platform: sends fail, hang, or pass (and some are
 * marked for a kill of the worker right after the platform accepted them).
 */
export function faultyPlatform(seed: number, rates: FaultRates, platform: SimPlatform) {
  const counts = new Map<string, number>();
  const killAfter = new WeakSet<ProxiedRequest>();
  const killBefore = new WeakSet<ProxiedRequest>();
  let faults = 0;
  const decide = (request: ProxiedRequest): ProxyDecision => {
    const body = request.body.toString("utf8");
    if (!platform.isSend(request.method, request.path, body)) return { kind: "pass" };
    const key = `${request.path} ${body}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    const roll = frac(seed, "send", key, n);
    if (roll < rates.hang) {
      faults += 1;
      return { kind: "hang" };
    }
    if (roll < rates.hang + rates.platform) {
      faults += 1;
      switch (hashSeed(seed, "send-kind", key, n) % 3) {
        case 0:
          return { kind: "respond", ...platform.tooManyRequests(1) };
        case 1:
          return { kind: "respond", ...platform.serverError() };
        default:
          return { kind: "destroy" };
      }
    }
    if (frac(seed, "kill-before", key, n) < rates.killBeforeSend) {
      killBefore.add(request);
      return { kind: "destroy" };
    }
    if (frac(seed, "kill-after", key, n) < rates.killAfterSend) killAfter.add(request);
    return { kind: "pass" };
  };
  return {
    decide,
    killAfter: (request: ProxiedRequest) => killAfter.has(request),
    killBefore: (request: ProxiedRequest) => killBefore.has(request),
    faults: () => faults,
  };
}
