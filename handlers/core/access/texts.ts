import type { PairRequest, Subject } from "./store.ts";

/**
 * What the access control says, to strangers, users and admins. Short and plain; a stranger is never
 * told who the admins are, or whether any was reached.
 */
export const accessTexts = {
  pairing: (code: string) =>
    `This bot answers only people its owner allowed. To ask for access, send the owner this code: ${code}\n\nIt is valid for an hour.`,
  groupPairing: (code: string) =>
    `The bot is not enabled in this group yet. An admin can enable it with the code ${code} (valid for an hour).`,
  pairingBusy: "This bot is not taking new requests right now. Please try again later.",
  allowedUser: "You can now talk to the agent here. Send me a message.",
  allowedGroup: "The bot is now enabled in this group.",
  rateLimited: (per: "minute" | "day") =>
    per === "minute"
      ? "You are sending messages faster than I can answer. Please wait a minute."
      : "You have reached today's limit of messages. Please try again tomorrow.",
  capped: "The agent has reached today's limit of answers. Please try again tomorrow.",
  adminsOnly: "That command is for the bot's admins.",
  groupNotEnabled: "The bot is not enabled in this group: send /allow here to enable it.",
  unknownCode: "That code is unknown, was used already, or has expired.",
  allowUsage:
    "Send /allow with the code from an access request (in a group, /allow alone enables the group).",
  denyUsage: "Send /deny with the code from an access request.",
  revokeUsage: "Send /revoke with a user id (or a group's id) from /users.",
  groupUsage:
    "In a group, send /group always (answer every message) or /group mention (only when mentioned or replied to).",
} as const;

/** How a user or group is named to admins: `Ada (123)`, `the group -100123`. */
export function subjectName(subject: Subject, name?: string): string {
  if (subject.kind === "group") return `the group ${subject.id}${name ? ` (asked by ${name})` : ""}`;
  return name ? `${name} (${subject.id})` : subject.id;
}

/** The message admins get about a pairing request. */
export function requestText(channel: string, request: Omit<PairRequest, "reply" | "expires">): string {
  const who = subjectName(request.subject, request.name);
  const what = request.subject.kind === "group" ? "to be answered in their group" : "to talk to the agent";
  return `Access request on ${channel}: ${who} asks ${what}.\n\n/allow ${request.code} or /deny ${request.code} (valid for an hour)`;
}
