import type { Envelope } from "../envelope.ts";
import { log } from "../log.ts";
import { readCode } from "./codes.ts";
import type { AccessContext } from "./context.ts";
import { GROUP_MODES, type GroupMode } from "./settings.ts";
import type { AccessList, PairRequest } from "./store.ts";
import { accessTexts, subjectName } from "./texts.ts";

/** The admins' commands (handlers/core/inbound.ts reads them for every channel). */
export const ADMIN_COMMANDS = new Set(["allow", "deny", "users", "revoke", "group"]);

/**
 * Runs an admin's command and says what came of it: `/allow <code>` and `/deny <code>` answer a pairing
 * request (the one allowed is told; the one denied is not), `/allow` alone in a group enables that group,
 * `/users` lists who has access, `/revoke <id>` takes a user's or group's grant back, `/group always|mention`
 * sets when a group is answered. The envelope's id makes a retry of the same command do the same thing.
 */
export async function adminCommand(
  envelope: Envelope,
  envelopeId: string,
  context: AccessContext,
): Promise<string> {
  const { store } = context;
  if (!store)
    return "Access changes need the relay's table (LEDGER_TABLE), which this deployment has not set.";
  const argument = envelope.text.trim();
  switch (envelope.command) {
    case "allow":
      return allow(envelope, envelopeId, argument, context);
    case "deny": {
      const code = readCode(argument);
      if (code === undefined) return accessTexts.denyUsage;
      const request = await store.redeem(code, envelopeId, context.now());
      if (!request) return accessTexts.unknownCode;
      log.info("access.denied", { envelopeId, kind: request.subject.kind, subject: request.subject.id });
      return `Denied ${subjectName(request.subject, request.name)}. They are not told.`;
    }
    case "users":
      return listText(await store.list(context.now()), context);
    case "revoke":
      return revoke(argument, envelopeId, context);
    case "group":
      return setGroupMode(envelope, argument, context);
    default:
      return accessTexts.adminsOnly;
  }
}

async function allow(envelope: Envelope, envelopeId: string, argument: string, context: AccessContext) {
  const { store, now, reach } = context;
  if (!store) return accessTexts.allowUsage;
  const by = envelope.user.id;
  if (argument === "" && envelope.group) {
    await store.grant({ kind: "group", id: envelope.conversation }, { at: now(), by });
    log.info("access.allowed", { envelopeId, kind: "group", subject: envelope.conversation });
    return accessTexts.allowedGroup;
  }
  const code = readCode(argument);
  if (code === undefined) return accessTexts.allowUsage;
  const request: PairRequest | undefined = await store.redeem(code, envelopeId, now());
  if (!request) return accessTexts.unknownCode;
  await store.grant(request.subject, { at: now(), by, ...(request.name ? { name: request.name } : {}) });
  log.info("access.allowed", { envelopeId, kind: request.subject.kind, subject: request.subject.id });
  const told = await reach.send(
    request.reply,
    `notice:${context.channel}:${code}:allowed`,
    request.subject.kind === "group" ? accessTexts.allowedGroup : accessTexts.allowedUser,
  );
  return `Allowed ${subjectName(request.subject, request.name)}.${told ? " They have been told." : ""}`;
}

async function revoke(argument: string, envelopeId: string, context: AccessContext): Promise<string> {
  const { store, settings, now } = context;
  const id = argument.split(/\s+/)[0] ?? "";
  if (!store || id === "") return accessTexts.revokeUsage;
  if (settings.admins.has(id)) return `${id} is an admin: admins are set by the module's admins input.`;
  if (await store.revoke({ kind: "user", id }, now())) {
    log.info("access.revoked", { envelopeId, kind: "user", subject: id });
    return `Revoked ${id}.${settings.allowlist.allows(id) ? " They are still allowed by the module's allowed_users." : ""}`;
  }
  if (await store.revoke({ kind: "group", id }, now())) {
    log.info("access.revoked", { envelopeId, kind: "group", subject: id });
    return `Revoked the group ${id}.`;
  }
  return settings.allowlist.allows(id)
    ? `${id} is allowed by the module's allowed_users: remove them there.`
    : `${id} has no access to revoke.`;
}

async function setGroupMode(envelope: Envelope, argument: string, context: AccessContext) {
  const mode = argument.toLowerCase() as GroupMode;
  if (!envelope.group || !GROUP_MODES.includes(mode)) return accessTexts.groupUsage;
  await context.store?.setMode({ kind: "group", id: envelope.conversation }, mode);
  if (mode === "mention") return "The bot now answers here only when mentioned or replied to.";
  return context.settings.groupPolicy === "always"
    ? "The bot now answers every message here."
    : "Set, but the module's group_policy is mention: the bot receives only the messages addressed to it, so it still answers only those.";
}

/** `/users`: admins, users and groups allowed at run time, and the requests waiting for an answer. */
function listText(list: AccessList, context: AccessContext): string {
  const { settings, now } = context;
  const date = (at: number) => new Date(at).toISOString().slice(0, 10);
  const lines = [`Policy: ${settings.policy}. Admins: ${[...settings.admins].join(", ") || "none"}.`];
  if (!settings.allowlist.empty) lines.push("Also allowed by the module's allowed_users.");
  const users = list.grants.filter((g) => g.subject.kind === "user");
  const groups = list.grants.filter((g) => g.subject.kind === "group");
  lines.push("", users.length === 0 ? "No users allowed here." : "Users:");
  for (const { subject, grant } of users)
    lines.push(`- ${subjectName(subject, grant.name)}, by ${grant.by} on ${date(grant.at)}`);
  if (groups.length > 0) lines.push("", "Groups:");
  for (const { subject, grant, mode } of groups)
    lines.push(`- ${subject.id}: ${mode ?? settings.groupPolicy}, by ${grant.by} on ${date(grant.at)}`);
  if (list.pending.length > 0) lines.push("", "Waiting:");
  for (const request of list.pending) {
    const minutes = Math.max(1, Math.round((request.expires - now()) / 60_000));
    lines.push(`- ${request.code}: ${subjectName(request.subject, request.name)}, ${minutes} min left`);
  }
  return lines.join("\n");
}
