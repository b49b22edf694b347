import type { MediaSource } from "../core/adapter.ts";
import { MediaError } from "../core/errors.ts";
import { trusted } from "../core/media/download.ts";

/** Where Slack serves files (`url_private_download`); the bot token goes nowhere else. */
const FILE_HOSTS = ["files.slack.com"];

/**
 * Files users send, on Slack: `url_private_download` with the bot token as a Bearer header, which needs
 * the `files:read` scope (the module's manifest asks for it). Without it Slack answers with its login
 * page, which the download refuses (`not available`). Files shared from another workspace (Slack
 * Connect) come without a URL: `not available`.
 */
export function slackMedia(token: string, apiUrl = process.env.SLACK_API_URL): MediaSource {
  return {
    async locate(attachment) {
      if (!trusted(attachment.id, FILE_HOSTS, apiUrl)) {
        throw new MediaError("not available", { retryable: false, detail: "no Slack file URL" });
      }
      return { url: attachment.id, headers: { authorization: `Bearer ${token}` } };
    },
  };
}
