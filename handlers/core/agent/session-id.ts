import * as v from "valibot";
import { hmacSha256Hex, sha256Hex } from "../crypto.ts";
import { conversationKey, type Envelope } from "../envelope.ts";

/**
 * Which agent session a message belongs to. By default one per conversation (chat, channel, thread):
 * in a group every member talks to the same session, as they talk in the same chat. `user` gives each
 * member their own session in each conversation, and `/new` then starts afresh only the sender's.
 */
export type SessionScope = "conversation" | "user";

/** How a deployment derives session ids. */
export interface SessionPolicy {
  readonly scope: SessionScope;
  /**
   * The deployment's secret HMAC key (the channel secret's `session_key`). Without one the ids are the
   * unkeyed SHA-256 of earlier versions, which anyone who knows a chat's public ids can compute.
   */
  readonly key: string | undefined;
}

/** One session per conversation, unkeyed: the ids of deployments whose secret has no `session_key`. */
export const UNKEYED: SessionPolicy = { scope: "conversation", key: undefined };

/** The optional `session_key` of a channel secret: 32 to 512 visible ASCII characters. */
export const SessionKeySchema = v.object({
  session_key: v.optional(v.pipe(v.string(), v.regex(/^[\x21-\x7e]{32,512}$/))),
});

export type SessionKeyPart = v.InferOutput<typeof SessionKeySchema>;

/** A channel's secret schema that also takes the optional `session_key`. */
export function withSessionKey<T>(
  schema: v.GenericSchema<unknown, T>,
): v.GenericSchema<unknown, T & SessionKeyPart> {
  return v.intersect([schema, SessionKeySchema]) as v.GenericSchema<unknown, T & SessionKeyPart>;
}

/**
 * What a session is kept under (its `/new` generation in the sessions store, and the input of its id):
 * the conversation key, with `#user:<user id>` after it in per-user scope.
 */
export function sessionScopeKey(
  envelope: Pick<Envelope, "channel" | "conversation" | "thread" | "user">,
  scope: SessionScope,
): string {
  const key = conversationKey(envelope);
  return scope === "user" ? `${key}#user:${envelope.user.id}` : key;
}

/**
 * The AgentCore runtimeSessionId of a session in its `generation` (one more per `/new`, kept by
 * ../session-generations.ts): `<channel>-<64 hex>`, the HMAC-SHA256 with the deployment's key of the scope key
 * (with `#<generation>` after it from the first `/new` on), or without a key its plain SHA-256 (73
 * characters either way; AgentCore wants 33–256). Deterministic, so one chat keeps one agent session
 * across messages and containers until it asks for a new one; keyed, so nobody without the key can
 * compute another chat's session id from its public ids.
 */
export function sessionId(
  envelope: Pick<Envelope, "channel" | "conversation" | "thread" | "user">,
  generation = 0,
  policy: SessionPolicy = UNKEYED,
): string {
  const scope = sessionScopeKey(envelope, policy.scope);
  const input = generation === 0 ? scope : `${scope}#${generation}`;
  return `${envelope.channel}-${policy.key === undefined ? sha256Hex(input) : hmacSha256Hex(policy.key, input)}`;
}
