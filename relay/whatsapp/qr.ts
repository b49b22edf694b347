import QRCode from "qrcode";
import { log } from "../../handlers/core/log.ts";
import type { ObjectStore } from "../store.ts";

/** Where the pairing QR code is written, under the auth prefix. */
export const QR_OBJECT = "pairing-qr.png";

/** Where a pairing QR code goes. */
export interface QrOptions {
  readonly bucket: string;
  readonly prefix: string;
  /** Also print it in the log, as text (WHATSAPP_LOG_QR). */
  readonly log: boolean;
}

/**
 * Shows a pairing code as a PNG in S3 (`aws s3 cp s3://<bucket>/<prefix>pairing-qr.png .`), and only
 * when asked (WHATSAPP_LOG_QR) as a QR code in the log: whoever scans it links their WhatsApp account
 * to this relay, and logs are read by more people than the state bucket. Scan it with WhatsApp →
 * Linked devices → Link a device. The code itself expires in about 20 s; it is never in a JSON line.
 */
export async function showQr(code: string, store: ObjectStore, options: QrOptions): Promise<void> {
  const key = options.prefix + QR_OBJECT;
  await store.put(key, await QRCode.toBuffer(code, { type: "png", width: 512, margin: 2 }), "image/png");
  log.info("whatsapp.pairing", {
    qrObject: `s3://${options.bucket}/${key}`,
    hint: options.log
      ? "WhatsApp → Settings → Linked devices → Link a device, then scan the QR code below or the PNG"
      : "download the PNG, then WhatsApp → Settings → Linked devices → Link a device and scan it (WHATSAPP_LOG_QR=true also prints it here)",
  });
  // The QR code as text, for a person reading the log (one block, not JSON).
  if (options.log) console.log(await QRCode.toString(code, { type: "terminal", small: true }));
}

/** Removes the QR code once paired (it is useless, and nobody should scan a stale one). */
export async function clearQr(store: ObjectStore, prefix: string): Promise<void> {
  await store.delete(prefix + QR_OBJECT);
}
