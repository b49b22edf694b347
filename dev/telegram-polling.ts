/**
 * Real Telegram from a laptop: with TELEGRAM_BOT_TOKEN set, `bun run dev` takes updates by long
 * polling (getUpdates) instead of a webhook, and posts each one to the local ingress exactly as
 * Telegram would post a webhook — the same envelope path. A bot can have a webhook or
 * getUpdates, not both, so the webhook is deleted first (the deployed stack stops getting updates
 * until `terraform apply` sets it again).
 */

import { log } from "../handlers/core/log.ts";
import { telegramApi } from "../handlers/telegram/api.ts";

export interface PollingOptions {
  readonly token: string;
  /** The Bot API (default https://api.telegram.org). */
  readonly apiUrl?: string;
  /** The local ingress route. */
  readonly webhookUrl: string;
  /** Sent as X-Telegram-Bot-Api-Secret-Token, as setWebhook would make Telegram do. */
  readonly webhookSecret: string;
}

/** Starts long polling; resolves to a stop function. */
export async function startTelegramPolling(options: PollingOptions): Promise<() => void> {
  const call = telegramApi(options.token, options.apiUrl ?? "https://api.telegram.org");
  const info = await call<{ url?: string }>("getWebhookInfo");
  if (info.url) {
    console.warn(
      `⚠ This bot had a webhook (${info.url}). Deleting it to poll from here: the deployed bot stops getting ` +
        "messages until you run `terraform apply` again (the module sets the webhook anew).",
    );
  }
  await call("deleteWebhook", { drop_pending_updates: false });
  let running = true;
  let offset = 0;
  void (async () => {
    while (running) {
      try {
        const updates = await call<{ update_id: number }[]>("getUpdates", {
          offset,
          timeout: 8, // under the Bot API client's 10 s request timeout
          allowed_updates: ["message"],
        });
        // Telegram holds an empty poll open for `timeout` seconds; a server that answers at once
        // must not turn this loop into a busy one.
        if (updates.length === 0) await Bun.sleep(200);
        for (const update of updates) {
          offset = update.update_id + 1;
          const response = await fetch(options.webhookUrl, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-telegram-bot-api-secret-token": options.webhookSecret,
              "x-dev-envelope-id": `telegram:${update.update_id}`,
            },
            body: JSON.stringify(update),
          });
          if (!response.ok) log.warn("dev.telegram_update_refused", { status: response.status });
        }
      } catch (err) {
        log.warn("dev.telegram_polling_failed", { err });
        await Bun.sleep(3_000);
      }
    }
  })();
  return () => {
    running = false;
  };
}
