import type { MediaSource } from "../core/adapter.ts";
import { MediaError, PlatformError } from "../core/errors.ts";
import { TELEGRAM_API_URL, telegramApi } from "./api.ts";

/**
 * Files users send, on Telegram: `getFile` gives the file's path, downloaded from
 * `{api}/file/bot<token>/<path>` (the token is in the URL: never logged). Bots may download at most
 * 20 MB: Telegram refuses `getFile` for larger files ("file is too big"), which is `too large` here.
 */
export function telegramMedia(
  token: string,
  baseUrl = process.env.TELEGRAM_API_URL || TELEGRAM_API_URL,
): MediaSource {
  const call = telegramApi(token, baseUrl);
  const files = `${baseUrl.replace(/\/+$/, "")}/file/bot${token}/`;
  return {
    async locate(attachment) {
      let file: { file_path?: string; file_size?: number };
      try {
        file = await call("getFile", { file_id: attachment.id });
      } catch (err) {
        if (err instanceof PlatformError && !err.retryable) {
          const reason = /too big/i.test(err.reason) ? "too large" : "not available";
          throw new MediaError(reason, { retryable: false, detail: err.reason, cause: err });
        }
        throw err;
      }
      if (!file.file_path)
        throw new MediaError("not available", { retryable: false, detail: "no file_path" });
      return {
        url: files + file.file_path.split("/").map(encodeURIComponent).join("/"),
        ...(file.file_size === undefined ? {} : { size: file.file_size }),
      };
    },
  };
}
