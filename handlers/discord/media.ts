import type { MediaSource } from "../core/adapter.ts";
import { MediaError } from "../core/errors.ts";
import { trusted } from "../core/media/download.ts";

/** Discord's CDN: attachment URLs are signed (`ex`, `is`, `hm`) and need no credential. */
const CDN_HOSTS = ["cdn.discordapp.com", "media.discordapp.net"];

/**
 * Files users send, on Discord: the attachment's CDN URL as the platform gave it. The signature in it
 * expires (about a day): a message redriven later finds the file `not available` (403/404), its text
 * still answered.
 */
export function discordMedia(apiUrl = process.env.DISCORD_API_URL): MediaSource {
  return {
    async locate(attachment) {
      if (!trusted(attachment.id, CDN_HOSTS, apiUrl)) {
        throw new MediaError("not available", { retryable: false, detail: "not a Discord CDN URL" });
      }
      return { url: attachment.id };
    },
  };
}
