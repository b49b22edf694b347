import QRCode from "qrcode";
import { log } from "../../handlers/core/log.ts";
import type { ObjectStore } from "../store.ts";

/** Where the pairing QR code is written, under the auth prefix. */
export const QR_OBJECT = "pairing-qr.png";

/**
 * Shows a pairing code: as a QR code in the log (text, for `aws logs tail`) and as a PNG in S3 (for
 * `aws s3 cp s3://<bucket>/<prefix>pairing-qr.png .`). Scan it with WhatsApp → Linked devices → Link a
 * device. The code itself is a one-time pairing secret that expires in about 20 s; it is not logged
 * in the JSON line.
 */
export async function showQr(
  code: string,
  store: ObjectStore,
  bucket: string,
  prefix: string,
): Promise<void> {
  const key = prefix + QR_OBJECT;
  const [text, png] = await Promise.all([
    QRCode.toString(code, { type: "terminal", small: true }),
    QRCode.toBuffer(code, { type: "png", width: 512, margin: 2 }),
  ]);
  await store.put(key, png, "image/png");
  log.info("whatsapp.pairing", {
    qrObject: `s3://${bucket}/${key}`,
    hint: "WhatsApp → Settings → Linked devices → Link a device, then scan the QR code below or the PNG",
  });
  // The QR code as text, for a person reading the log (one block, not JSON).
  console.log(text);
}

/** Removes the QR code once paired (it is useless, and nobody should scan a stale one). */
export async function clearQr(store: ObjectStore, prefix: string): Promise<void> {
  await store.delete(prefix + QR_OBJECT);
}
