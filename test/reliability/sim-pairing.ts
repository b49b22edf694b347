/**
 * The fault simulation under the `pairing` policy (the modules' default), after the strangers' first
 * messages have settled: an admin answers half the pairing codes with `/allow <code>`, every stranger writes
 * again, the admin revokes half of those allowed with `/revoke <id>`, and every stranger writes once more —
 * all through the same faults. Who may reach the agent is judged per phase from the access table itself
 * (what was granted once the admin's commands had settled), so an admin's command that the faults lost
 * changes what is expected, never the invariant: no one the table does not allow reaches the agent.
 */
import type { AgentCoreCall } from "../../emulators/agentcore.ts";
import type { AccessStore, Subject } from "../../handlers/core/access/store.ts";
import type { ChannelProfile, SentReply } from "./channels/profile.ts";
import { type Tracked, tokenOf } from "./sim-faults.ts";

/** What the pairing phases did. */
export interface PairingFigures {
  /** Stranger conversations that were given a pairing code, and those an admin answered with `/allow`. */
  readonly codesGiven: number;
  readonly allowsSent: number;
  /** Subjects (users, or groups where the channel's conversations are groups) the table allowed after them. */
  readonly granted: number;
  /** Allowed subjects an admin sent `/revoke` for, and those the table no longer allowed after it. */
  readonly revokesSent: number;
  readonly revoked: number;
  /** Messages strangers sent after the admin's answers, and agent calls for allowed (paired) strangers. */
  readonly laterStrangerMessages: number;
  readonly pairedAgentCalls: number;
}

/** A pairing code in a reply (accessTexts.pairing / groupPairing). */
const CODE = /\bcode:? ([0-9A-Z]{6})\b/;

/** The first pairing code each stranger conversation was given, by conversation. */
export function codesByConversation(
  sent: readonly SentReply[],
  strangers: readonly number[],
): Map<number, string> {
  const codes = new Map<number, string>();
  for (const reply of sent) {
    const code = CODE.exec(reply.text)?.[1];
    if (code && reply.conversation !== undefined && strangers.includes(reply.conversation))
      if (!codes.has(reply.conversation)) codes.set(reply.conversation, code);
  }
  return codes;
}

/** Who a conversation's access belongs to: its group where the channel's conversations are groups, else the user. */
export function subjectOf(profile: ChannelProfile, conversation: number, userId: string): Subject {
  const group = profile.users.group?.(conversation);
  return group === undefined ? { kind: "user", id: userId } : { kind: "group", id: group };
}

/** An admin's command, sent in a conversation of its own (`conversation`), not a message the agent answers. */
export function adminCommand(admin: string, conversation: number, seq: number, text: string): Tracked {
  return {
    conversation,
    seq,
    token: tokenOf(conversation, seq),
    text,
    userId: admin,
    eventNumber: 700_000_000 + conversation * 1000 + seq,
    stranger: false,
    doomed: false,
    refused: false,
    attempts: 0,
    accepted: false,
    gaveUp: false,
  };
}

/** A stranger's later message in conversation `c` (a stranger's message for accounting: told, silenced or answered). */
export function strangerMessage(profile: ChannelProfile, conversation: number, seq: number): Tracked {
  return {
    conversation,
    seq,
    token: tokenOf(conversation, seq),
    userId: profile.users.stranger(conversation),
    eventNumber: 700_000_000 + conversation * 1000 + seq,
    stranger: true,
    doomed: false,
    refused: false,
    attempts: 0,
    accepted: false,
    gaveUp: false,
  };
}

/** Which of `subjects` the table allows now. */
export async function grantedNow(store: AccessStore, subjects: readonly Subject[]): Promise<Set<string>> {
  const granted = new Set<string>();
  for (const subject of subjects) if ((await store.record(subject))?.granted) granted.add(subject.id);
  return granted;
}

/** The user id an agent call was made for. */
export const callerOf = (call: AgentCoreCall): string =>
  String((call.payload as { user?: { id?: unknown } } | undefined)?.user?.id);

/** The conversation id (group) an agent call was made in. */
export const conversationOfCall = (call: AgentCoreCall): string =>
  String((call.payload as { conversation?: unknown } | undefined)?.conversation);
