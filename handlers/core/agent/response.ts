import { AgentError } from "../errors.ts";
import type { Piece } from "./files.ts";
import { readFrames } from "./framing.ts";
import { type AgentEvent, type Family, interpret } from "./shapes.ts";

/**
 * Reads an agent's response as it arrives and yields the answer's text, piece by piece (deltas in order).
 * Frames (framing.ts) are read for their meaning (shapes.ts), and:
 *
 * - the first delta's family is the one read; deltas of other families are the same text again (twins),
 *   except that in a stream of raw data a JSON string is raw data too;
 * - text after the model finished a message (a tool call in between) starts a new paragraph, so
 *   "Let me check." and "Found it." do not run together;
 * - snapshots (finished messages, results, a whole JSON body) are the answer only when no delta came;
 * - files the agent names (`attachments`, agent/files.ts) are yielded as they come, as a {@link Piece};
 * - an error the agent reports mid-answer fails the invocation: a retryable AgentError
 *   (`AgentStreamError`), never text for the user and never a truncated answer taken for a whole one.
 * @throws AgentError when the agent reports an error; the body's own errors (a broken stream) as they are.
 */
export async function* readAgentText(
  contentType: string | undefined,
  body: AsyncIterable<Uint8Array> | undefined,
): AsyncGenerator<Piece> {
  if (!body) return;
  let family: Family | undefined;
  let snapshot: string | undefined;
  let pendingBreak = false;
  let wrote = false;
  for await (const frame of readFrames(contentType, body)) {
    let event: AgentEvent = interpret(frame);
    if (event.type === "files") {
      yield { files: event.files };
      event = event.rest;
    }
    switch (event.type) {
      case "text": {
        family ??= event.family;
        // A JSON string in a stream of raw data is raw data too; any other family is a twin.
        const text = event.family === family ? event.text : family === "raw" ? event.raw : undefined;
        if (text === undefined || text === "") break;
        if (pendingBreak && wrote) yield "\n\n";
        pendingBreak = false;
        wrote = true;
        yield text;
        break;
      }
      case "snapshot":
        snapshot = event.text;
        break;
      case "boundary":
        pendingBreak = true;
        break;
      case "error":
        throw new AgentError("AgentStreamError", {
          retryable: true,
          cause: new Error(`the agent reported: ${event.message}`),
        });
      default:
        break;
    }
  }
  if (family === undefined && snapshot !== undefined) yield snapshot;
}

/** The whole answer of a response: its text joined (files named beside it are left out). */
export async function readAgentResponse(
  contentType: string | undefined,
  body: AsyncIterable<Uint8Array> | undefined,
): Promise<string> {
  let text = "";
  for await (const piece of readAgentText(contentType, body)) if (typeof piece === "string") text += piece;
  return text;
}

/** The whole answer of a response: its text and the files it names, unchecked. */
export async function readAgentAnswer(
  contentType: string | undefined,
  body: AsyncIterable<Uint8Array> | undefined,
): Promise<{ text: string; files: unknown[] }> {
  let text = "";
  const files: unknown[] = [];
  for await (const piece of readAgentText(contentType, body)) {
    if (typeof piece === "string") text += piece;
    else files.push(...piece.files);
  }
  return { text, files };
}
