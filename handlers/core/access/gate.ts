import type { Button } from "../adapter.ts";
import { log } from "../log.ts";
import { notices } from "../notices.ts";
import type { Received } from "../worker/receive.ts";
import { ADMIN_COMMANDS, adminCommand } from "./commands.ts";
import type { AccessContext } from "./context.ts";
import { tellAdmins } from "./notify.ts";
import type { AccessSettings } from "./settings.ts";
import type { AccessRecord, AccessStore, Subject } from "./store.ts";
import { accessTexts, requestText } from "./texts.ts";

/** What the gate made of messages: some go on to the agent, or this is said (undefined: nothing) instead. */
export type Admission =
  | { readonly admitted: readonly Received<unknown>[]; readonly admin: boolean }
  | { readonly answer: string | undefined };

/**
 * The access gate, the first thing the worker does with a message (one, or a burst of one sender in one
 * conversation), before any command or the agent. In order:
 *
 * 1. An admin's command is run (docs/architecture.md "Access"); anyone else's is refused.
 * 2. In a group under `pairing`, the group must be allowed (then every member may talk there); an unknown
 *    group is answered only with a pairing code, which admins are asked about; an admin there is told
 *    `/allow` enables it.
 * 3. Elsewhere the sender must be an admin, in `ALLOWED_USERS`, or granted at run time, unless the policy is
 *    `open`. A stranger gets a pairing code under `pairing` (one an hour; admins are asked) and a refusal
 *    under `allowlist`; where the channel answers no strangers (WhatsApp personal), nothing at all.
 * 4. A group message not addressed to the bot goes on only where the group is answered always.
 * 5. The per-user rate limits (admins exempt): over them, nothing goes on, and the sender is told once.
 */
export async function admit(
  messages: readonly Received<unknown>[],
  context: AccessContext,
): Promise<Admission> {
  const [first] = messages;
  if (!first) return { answer: undefined };
  const { envelope } = first;
  const { settings, store, now } = context;
  const user = envelope.user.id;
  const admin = settings.admins.has(user);
  // Where a bot may write to someone only a while after their last message, admins' messages open it.
  if (admin && context.directWindowMs !== undefined) await store?.seen(user, now());
  const command = envelope.command !== undefined && ADMIN_COMMANDS.has(envelope.command);
  if (command && admin) return { answer: await adminCommand(envelope, first.id, context) };

  let group: AccessRecord | undefined;
  const unaddressed = messages.some((m) => m.envelope.addressed === false);
  if (envelope.group && (settings.policy === "pairing" || unaddressed))
    group = await store?.record({ kind: "group", id: envelope.conversation });
  if (envelope.group && settings.policy === "pairing" && !group?.granted) {
    if (unaddressed && messages.every((m) => m.envelope.addressed === false))
      return silent(first, "group not enabled");
    if (admin) return { answer: accessTexts.groupNotEnabled };
    return pair({ kind: "group", id: envelope.conversation }, first, group, context);
  }
  if (!(envelope.group && settings.policy === "pairing") && settings.policy !== "open" && !admin) {
    if (!(await allowedUser(user, settings, store))) return stranger(first, context);
  }
  if (command) return { answer: accessTexts.adminsOnly };

  const mode = group?.mode ?? settings.groupPolicy;
  const admitted = messages.filter((m) => m.envelope.addressed !== false || mode === "always");
  if (admitted.length === 0) return silent(first, "group message not addressed to the bot");
  if (!admin && store && (settings.perMinute > 0 || settings.perDay > 0)) {
    const over = await overLimit(user, admitted.length, context);
    if (over !== undefined) return over;
  }
  return { admitted, admin };
}

/**
 * Counts an agent invocation against the deployment's daily cap (`DAILY_INVOCATION_CAP`). Past it, a user
 * is told once a day and the agent is not asked; admins are counted and still answered. The invocation that
 * crosses the cap logs `access.cap_reached` (the module's alarm counts those) and tells the admins.
 * Undefined: go on; else what to say instead (undefined inside: nothing).
 */
export async function capInvocation(
  message: Received<unknown>,
  admin: boolean,
  context: AccessContext,
): Promise<{ answer: string | undefined } | undefined> {
  const { settings, store, now } = context;
  if (settings.dailyCap === 0 || !store) return undefined;
  const count = await store.invocation(now());
  if (count <= settings.dailyCap) return undefined;
  if (count === settings.dailyCap + 1) {
    log.warn("access.cap_reached", { envelopeId: message.id, cap: settings.dailyCap });
    const day = new Date(now()).toISOString().slice(0, 10);
    await tellAdmins(
      context,
      `notice:${context.channel}:cap:${day}`,
      `The agent reached today's cap of ${settings.dailyCap} invocations on ${context.channel}: users are told to come back tomorrow (UTC). Admins are still answered.`,
    );
  }
  if (admin) return undefined;
  const first = await store.firstCapNotice(message.envelope.user.id, now());
  log.info("access.capped", { envelopeId: message.id, told: first });
  return { answer: first ? accessTexts.capped : undefined };
}

/**
 * Whether `user` is let through by name: an admin, in `ALLOWED_USERS`, or granted at run time (by an
 * admin's `/allow` or `bun run access allow`). The policy (`open`) and groups are the caller's to weigh.
 */
export async function allowedUser(
  user: string,
  settings: AccessSettings,
  store: AccessStore | undefined,
): Promise<boolean> {
  if (settings.admins.has(user) || settings.allowlist.allows(user)) return true;
  return (await store?.record({ kind: "user", id: user }))?.granted !== undefined;
}

function silent(message: Received<unknown>, reason: string): Admission {
  log.info("message.not_addressed", { envelopeId: message.id, reason });
  return { answer: undefined };
}

/** A sender the policy does not let through: a pairing code, a refusal, or silence. */
async function stranger(message: Received<unknown>, context: AccessContext): Promise<Admission> {
  const { envelope, id } = message;
  const { settings, store, answersStrangers } = context;
  if (settings.policy === "pairing" && answersStrangers && store && !envelope.group) {
    const subject: Subject = { kind: "user", id: envelope.user.id };
    return pair(subject, message, await store.record(subject), context);
  }
  log.info("user.refused", {
    envelopeId: id,
    userId: envelope.user.id,
    ...(answersStrangers ? {} : { silent: true }),
  });
  return { answer: answersStrangers ? notices.refused : undefined };
}

/**
 * A pairing request for a user or a group: a code for them (said once; while it is valid they hear nothing
 * more), and the admins asked about it in their own chats, with buttons where the platform has them.
 */
async function pair(
  subject: Subject,
  message: Received<unknown>,
  record: AccessRecord | undefined,
  context: AccessContext,
): Promise<Admission> {
  const { envelope, id } = message;
  const { store, now } = context;
  if (!store || !context.answersStrangers) return { answer: undefined };
  const name = envelope.user.name;
  const outcome = await store.request(
    {
      subject,
      ...(name ? { name } : {}),
      by: envelope.user.id,
      reply: envelope.reply,
      envelope: id,
      now: now(),
    },
    record,
  );
  if ("busy" in outcome) {
    log.warn("access.pairing_busy", { envelopeId: id });
    return { answer: accessTexts.pairingBusy };
  }
  if ("pending" in outcome) {
    log.info("access.pending", { envelopeId: id, kind: subject.kind });
    return { answer: undefined };
  }
  const { code } = outcome;
  const buttons: Button[] = [
    { label: "Allow", command: `/allow ${code}` },
    { label: "Deny", command: `/deny ${code}` },
  ];
  const reached = await tellAdmins(
    context,
    `notice:${context.channel}:${code}`,
    requestText(context.channel, { code, subject, ...(name ? { name } : {}), by: envelope.user.id }),
    buttons,
  );
  // With no admin reached, the owner sees the code with `bun run access list`.
  log.info("access.requested", { envelopeId: id, kind: subject.kind, code, adminsReached: reached });
  return { answer: subject.kind === "group" ? accessTexts.groupPairing(code) : accessTexts.pairing(code) };
}

/** Over a rate limit: what to say (once per window: when this message crossed it), else undefined. */
async function overLimit(user: string, n: number, context: AccessContext): Promise<Admission | undefined> {
  const { settings, store, now } = context;
  if (!store) return undefined;
  const counts = await store.count(user, n, now());
  for (const [per, limit, count] of [
    ["minute", settings.perMinute, counts.minute],
    ["day", settings.perDay, counts.day],
  ] as const) {
    if (limit === 0 || count <= limit) continue;
    const crossed = count - n <= limit;
    log.info("access.rate_limited", { userId: user, per, count, told: crossed });
    return { answer: crossed ? accessTexts.rateLimited(per) : undefined };
  }
  return undefined;
}
