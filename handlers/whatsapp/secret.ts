import * as v from "valibot";

/** The WhatsApp channel's secret (Secrets Manager JSON). */
export const WhatsAppSecretSchema = v.object({
  /** A system user's (or the test) access token with `whatsapp_business_messaging`: `EAA…`. */
  access_token: v.pipe(v.string(), v.regex(/^\S{16,}$/)),
  /** The Meta app's secret (App settings → Basic): signs every delivery as X-Hub-Signature-256. */
  app_secret: v.pipe(v.string(), v.regex(/^\S{16,}$/)),
  /** What Meta echoes as hub.verify_token when the callback URL is set: any string we chose. */
  verify_token: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  /** The business phone number's id (WhatsApp → API Setup), not the phone number itself. */
  phone_number_id: v.pipe(v.string(), v.regex(/^\d{1,32}$/)),
});

export type WhatsAppSecret = v.InferOutput<typeof WhatsAppSecretSchema>;
