import * as v from "valibot";

/** The Slack channel's secret (Secrets Manager JSON). */
export const SlackSecretSchema = v.object({
  /** Bot User OAuth Token from the app's OAuth & Permissions page: `xoxb-…`. */
  bot_token: v.pipe(v.string(), v.regex(/^xoxb-[A-Za-z0-9-]+$/)),
  /** Signing Secret from the app's Basic Information page (hex), the HMAC key of every request. */
  signing_secret: v.pipe(v.string(), v.regex(/^[0-9A-Fa-f]{16,128}$/)),
});

export type SlackSecret = v.InferOutput<typeof SlackSecretSchema>;
