import * as v from "valibot";

/**
 * `biz_opaque_callback_data` of a reply chunk: `<envelope id>#<chunk index>`. The Cloud API does not
 * read it; it only echoes it in the `sent`, `delivered` and `read` statuses of that message, which is
 * how the ingress learns that a chunk an interrupted attempt sent did arrive (see outbox.ts).
 */

/** The field holds at most 512 bytes (Meta's messages reference: "an arbitrary 512B string"). */
export const CALLBACK_DATA_MAX_BYTES = 512;

/**
 * The callback data of chunk `index` of the reply to envelope `envelopeId`, or undefined when it would
 * not fit the field (the chunk then goes out without it, and an uncertain send of it cannot be confirmed).
 * @example chunkCallbackData("whatsapp:wamid.HBgL…", 0) // "whatsapp:wamid.HBgL…#0"
 */
export function chunkCallbackData(envelopeId: string, index: number): string | undefined {
  const data = `${envelopeId}#${index}`;
  return Buffer.byteLength(data) <= CALLBACK_DATA_MAX_BYTES && v.is(ChunkCallbackSchema, data)
    ? data
    : undefined;
}

/**
 * Callback data written by {@link chunkCallbackData}: a WhatsApp envelope id (printable, no `#`) and a
 * chunk index. Every app subscribed to the WhatsApp Business Account receives the statuses of every
 * message sent from it, other apps' callback data included: whatever does not fit is not ours.
 */
export const ChunkCallbackSchema = v.pipe(
  v.string(),
  v.maxLength(CALLBACK_DATA_MAX_BYTES),
  // Chunk indexes up to 9999: a reply is at most ~300 KB (the ledger's limit), some 75 chunks of 4096.
  v.regex(/^whatsapp:[\x21-\x22\x24-\x7e]{1,256}#(?:0|[1-9]\d{0,3})$/),
  v.transform((data) => {
    const at = data.lastIndexOf("#");
    return { envelopeId: data.slice(0, at), index: Number(data.slice(at + 1)) };
  }),
);

/** A chunk the platform confirmed: the reply to `envelopeId`, chunk `index`. */
export type ChunkConfirmation = v.InferOutput<typeof ChunkCallbackSchema>;
