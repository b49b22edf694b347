import type { Button } from "../adapter.ts";
import { log } from "../log.ts";
import type { AccessContext } from "./context.ts";

/**
 * Tells every admin `text` in their own chat with the bot, each once per `key` (a retry sends nothing
 * twice). An admin the platform gives no chat for (Slack without im:write, WhatsApp outside the 24 hours
 * after the admin last wrote) or whose chat refuses the message (they never started the bot, blocked it)
 * is logged and skipped. Returns how many admins were reached; with none, `bun run access list` shows what
 * is pending.
 */
export async function tellAdmins(
  context: AccessContext,
  key: string,
  text: string,
  buttons?: readonly Button[],
): Promise<number> {
  const { settings, reach, store, directWindowMs, now } = context;
  let reached = 0;
  for (const admin of settings.admins) {
    try {
      if (directWindowMs !== undefined) {
        const seen = await store?.lastSeen(admin);
        if (seen === undefined || now() - seen > directWindowMs) {
          log.info("access.admin_unreachable", {
            admin,
            reason: "has not written within the platform's window",
          });
          continue;
        }
      }
      const chat = await reach.direct(admin);
      if (chat === undefined) {
        log.info("access.admin_unreachable", { admin, reason: "the platform opens no chat with them" });
        continue;
      }
      if (await reach.send(chat, `${key}:${admin}`, text, buttons)) reached += 1;
    } catch (err) {
      log.warn("access.admin_unreachable", { admin, err });
    }
  }
  return reached;
}
