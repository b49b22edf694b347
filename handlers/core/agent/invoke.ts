import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import type { Envelope } from "../envelope.ts";
import { AgentError } from "../errors.ts";
import { lazy } from "../lazy.ts";
import { agentPayload, runtimeUserId } from "./payload.ts";
import { readAgentResponse } from "./response.ts";

/** Where the agent runs and how to call it. */
export interface AgentConfig {
  /** ARN of the AgentCore runtime. */
  readonly runtimeArn: string;
  /** Endpoint name; `DEFAULT` is the runtime's default endpoint. */
  readonly qualifier: string;
  /** Pass runtimeUserId (needs bedrock-agentcore:InvokeAgentRuntimeForUser). */
  readonly passUserId: boolean;
}

/** The agent as the worker sees it; the worker picks the runtime session (agent/session-id.ts). */
export interface Agent {
  /** Asks the agent in runtime session `session`; resolves to its reply text. @throws AgentError */
  ask(envelope: Envelope, session: string, signal?: AbortSignal): Promise<string>;
  /** Ends runtime session `session` (after `/new`), freeing what the runtime holds for it. */
  end(session: string): Promise<void>;
}

/** AgentCore errors a later attempt can get past. */
const RETRYABLE = new Set([
  "ThrottlingException",
  "ServiceQuotaExceededException",
  "InternalServerException",
  "RetryableConflictException",
  "RuntimeClientError",
  "ServiceUnavailableException",
  "StreamBroken",
  "Timeout",
]);

/** Maps whatever the SDK threw to an AgentError that says whether to retry. */
export function classifyAgentError(error: unknown): AgentError {
  if (error instanceof AgentError) return error;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const name = e?.name ?? "Unknown";
  const status = e?.$metadata?.httpStatusCode;
  if (name === "AbortError" || name === "TimeoutError") {
    return new AgentError("Timeout", { retryable: true, cause: error });
  }
  // No status: the request never got an answer (network, DNS, reset): worth another try.
  const retryable = RETRYABLE.has(name) || status === undefined || status >= 500 || status === 429;
  return new AgentError(name, { retryable, cause: error, ...(status === undefined ? {} : { status }) });
}

const client = lazy(() => new BedrockAgentCoreClient({}));

/** The agent on AgentCore Runtime, through InvokeAgentRuntime. */
export function agentCore(config: AgentConfig): Agent {
  return {
    async ask(envelope, session, signal) {
      try {
        const output = await client().send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: config.runtimeArn,
            qualifier: config.qualifier,
            runtimeSessionId: session,
            ...(config.passUserId ? { runtimeUserId: runtimeUserId(envelope) } : {}),
            contentType: "application/json",
            accept: "application/json, text/event-stream, text/plain",
            payload: new TextEncoder().encode(JSON.stringify(agentPayload(envelope))),
          }),
          { abortSignal: signal },
        );
        const body = output.response as AsyncIterable<Uint8Array> | undefined;
        try {
          return await readAgentResponse(output.contentType, body);
        } catch (error) {
          if (signal?.aborted) throw error;
          throw new AgentError("StreamBroken", { retryable: true, cause: error });
        }
      } catch (error) {
        throw classifyAgentError(
          signal?.aborted ? Object.assign(new Error("aborted"), { name: "TimeoutError" }) : error,
        );
      }
    },
    async end(session) {
      try {
        await client().send(
          new StopRuntimeSessionCommand({
            agentRuntimeArn: config.runtimeArn,
            qualifier: config.qualifier,
            runtimeSessionId: session,
          }),
        );
      } catch (error) {
        const classified = classifyAgentError(error);
        // No session to stop is what we wanted anyway.
        if (classified.code === "ResourceNotFoundException") return;
        throw classified;
      }
    },
  };
}
