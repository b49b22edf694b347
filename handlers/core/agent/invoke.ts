import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import type { Envelope } from "../envelope.ts";
import { AgentError } from "../errors.ts";
import { lazy } from "../lazy.ts";
import type { Piece } from "./files.ts";
import { agentPayload, runtimeUserId } from "./payload.ts";
import { readAgentText } from "./response.ts";

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
  /**
   * Asks the agent in runtime session `session`; yields its answer as it arrives, piece by piece, and the
   * files it names (response.ts). Iterating throws AgentError when the agent fails, before or during it.
   */
  stream(envelope: Envelope, session: string, signal?: AbortSignal): AsyncIterable<Piece>;
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

/** What the relay reads: an event stream first (the AgentCore SDKs stream only when asked for it). */
export const ACCEPT = "application/json, text/event-stream, text/plain";

const timedOut = () => Object.assign(new Error("aborted"), { name: "TimeoutError" });

/**
 * The answer's text from a response body as it arrives; a body that breaks off is a retryable
 * AgentError (`StreamBroken`), or `Timeout` when the caller's signal ended it.
 */
export async function* readBody(
  contentType: string | undefined,
  body: AsyncIterable<Uint8Array> | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<Piece> {
  try {
    yield* readAgentText(contentType, body);
  } catch (error) {
    if (signal?.aborted) throw classifyAgentError(timedOut());
    if (error instanceof AgentError) throw error;
    throw new AgentError("StreamBroken", { retryable: true, cause: error });
  }
}

/** The agent on AgentCore Runtime, through InvokeAgentRuntime. */
export function agentCore(config: AgentConfig): Agent {
  return {
    async *stream(envelope, session, signal) {
      let output: { response?: unknown; contentType?: string | undefined };
      try {
        output = await client().send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: config.runtimeArn,
            qualifier: config.qualifier,
            runtimeSessionId: session,
            ...(config.passUserId ? { runtimeUserId: runtimeUserId(envelope) } : {}),
            contentType: "application/json",
            accept: ACCEPT,
            payload: new TextEncoder().encode(JSON.stringify(agentPayload(envelope))),
          }),
          { abortSignal: signal },
        );
      } catch (error) {
        throw classifyAgentError(signal?.aborted ? timedOut() : error);
      }
      yield* readBody(output.contentType, output.response as AsyncIterable<Uint8Array> | undefined, signal);
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
