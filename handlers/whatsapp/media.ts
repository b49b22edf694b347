import * as v from "valibot";
import type { MediaSource } from "../core/adapter.ts";
import { MediaError, PlatformError } from "../core/errors.ts";
import { trusted } from "../core/media/download.ts";
import { graphApi, WHATSAPP_API_URL } from "./api.ts";

/** Where Meta serves media (lookaside.fbsbx.com and its kin); the access token goes nowhere else. */
const MEDIA_HOSTS = [".fbsbx.com", ".facebook.com", ".whatsapp.net"];

/** `GET /{media-id}`: the fields we read. */
const MediaUrlSchema = v.object({
  url: v.pipe(v.string(), v.url()),
  mime_type: v.optional(v.string()),
  file_size: v.optional(v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number))])),
});

/**
 * Files users send, on the WhatsApp Cloud API: the media id gives a URL (valid five minutes, so asked
 * right before the download), downloaded with the access token as a Bearer header. Media ids expire
 * after 7 days: an unknown id is `not available`.
 */
export function whatsappMedia(
  token: string,
  baseUrl = process.env.WHATSAPP_API_URL || WHATSAPP_API_URL,
): MediaSource {
  const call = graphApi(token, baseUrl);
  return {
    async locate(attachment) {
      let answer: unknown;
      try {
        answer = await call(encodeURIComponent(attachment.id), { name: "media" });
      } catch (err) {
        if (err instanceof PlatformError && !err.retryable) {
          throw new MediaError("not available", { retryable: false, detail: err.reason, cause: err });
        }
        throw err;
      }
      const media = v.safeParse(MediaUrlSchema, answer);
      if (!media.success || !trusted(media.output.url, MEDIA_HOSTS, baseUrl)) {
        throw new MediaError("not available", { retryable: false, detail: "no media URL from Meta" });
      }
      const { url, mime_type, file_size } = media.output;
      return {
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(file_size === undefined ? {} : { size: file_size }),
        ...(mime_type === undefined ? {} : { mime: mime_type }),
      };
    },
  };
}
