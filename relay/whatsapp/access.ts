import { bareJid, isPhoneJid } from "./jid.ts";

/**
 * Who may reach the agent through the owner's own WhatsApp account, and what addresses it in a group.
 * The relay decides before anything is queued: a message from anyone else never leaves the relay, and
 * nothing is ever sent back to them (the account is a person's: every word would come from the owner).
 */
export interface WhatsAppAccess {
  /**
   * The id a sender is allowed under, given the JIDs WhatsApp names them by (phone number and hidden
   * id, either may be missing): the one the allowlist lists (the phone number when it lists both), or
   * with `*` the phone number when known, else the hidden id. Undefined: a stranger.
   */
  allowedAs(jids: readonly (string | null | undefined)[]): string | undefined;
  /** A group message starting with this word (compared in lower case) addresses the bot; else only @mentions do. */
  readonly trigger: string | undefined;
}

/**
 * The access rules from the allowlist (user JIDs, or `*` for everyone; validated by config.ts) and the
 * optional group trigger.
 * @example whatsappAccess(["491701234567@s.whatsapp.net"]).allowedAs(["99@lid", "491701234567@s.whatsapp.net"])
 * // "491701234567@s.whatsapp.net"
 */
export function whatsappAccess(allowed: readonly string[], trigger?: string): WhatsAppAccess {
  const listed = new Set(allowed);
  const everyone = listed.has("*");
  return {
    allowedAs(jids) {
      const known = jids.filter((jid): jid is string => typeof jid === "string" && jid.includes("@"));
      const ordered = [...known.filter(isPhoneJid), ...known.filter((jid) => !isPhoneJid(jid))].map(bareJid);
      return everyone ? ordered[0] : ordered.find((jid) => listed.has(jid));
    },
    trigger: trigger?.toLowerCase(),
  };
}
