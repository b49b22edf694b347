/**
 * WhatsApp JIDs as Baileys presents them: `<number>@s.whatsapp.net` (a phone number), `<id>@lid` (a
 * hidden user id, which WhatsApp uses instead of the number in many groups and chats), `<id>@g.us` (a
 * group); a user JID may carry a device (`4915:12@s.whatsapp.net`).
 */

/** The user part of a JID, without the device: `4915:12@s.whatsapp.net` → `4915`. */
export function jidUser(jid: string): string {
  return jid.split("@", 1)[0]?.split(":", 1)[0] ?? "";
}

/** A JID without its device suffix: `4915:12@s.whatsapp.net` → `4915@s.whatsapp.net`. */
export function bareJid(jid: string): string {
  const at = jid.indexOf("@");
  return at < 0 ? jid : `${jidUser(jid)}${jid.slice(at)}`;
}

/** A group chat. */
export const isGroupJid = (jid: string): boolean => jid.endsWith("@g.us");

/** A phone-number JID. */
export const isPhoneJid = (jid: string | undefined): jid is string =>
  jid?.endsWith("@s.whatsapp.net") ?? false;

/** A person, by phone number or hidden id, without a device: what an allowlist names. */
export const USER_JID = /^\d{1,24}@(?:s\.whatsapp\.net|lid)$/;
