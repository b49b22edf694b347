import type { Envelope } from "../envelope.ts";
import { AgentError } from "../errors.ts";
import { log } from "../log.ts";
import { ACCEPT, type Agent, classifyAgentError, readBody } from "./invoke.ts";
import { agentPayload, runtimeUserId } from "./payload.ts";

/**
 * An agent that follows the AgentCore Runtime service contract, called directly:
 * `POST {url}/invocations` with the session id in the header AgentCore would pass to the
 * container. For local development (`AGENT_URL=http://localhost:8080`) and agents served outside
 * AgentCore; the same payload, session id and response reading as the real runtime.
 */
export function containerAgent(baseUrl: string): Agent {
  const url = `${baseUrl.replace(/\/+$/, "")}/invocations`;
  return {
    async *stream(envelope: Envelope, session: string, signal?: AbortSignal) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: ACCEPT,
            "x-amzn-bedrock-agentcore-runtime-session-id": session,
            "x-amzn-bedrock-agentcore-runtime-user-id": runtimeUserId(envelope),
          },
          body: JSON.stringify(agentPayload(envelope)),
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        throw classifyAgentError(error);
      }
      if (!response.ok) {
        await response.body?.cancel();
        const retryable = response.status === 429 || response.status >= 500;
        throw new AgentError(`HTTP${response.status}`, { retryable, status: response.status });
      }
      const body = (response.body as AsyncIterable<Uint8Array> | null) ?? undefined;
      yield* readBody(response.headers.get("content-type") ?? undefined, body, signal);
    },
    async end(session: string) {
      // The container contract has no "stop session" route; the next message comes with a new
      // session id all the same, and the agent decides what to keep of the old one.
      log.debug("session.end_unsupported", { sessionId: session });
    },
  };
}
