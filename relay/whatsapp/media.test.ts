import { describe, expect, test } from "bun:test";
import type { Envelope } from "../../handlers/core/envelope.ts";
import { storeMedia } from "./media.ts";

const envelope: Envelope = {
  v: 1,
  channel: "whatsapp-personal",
  eventId: "3EB0:abc",
  conversation: "4915551234567@s.whatsapp.net",
  user: { id: "4915551234567@s.whatsapp.net" },
  text: "",
  attachments: [{ kind: "voice", id: "3EB0", mime: "audio/ogg", size: 3 }],
  reply: {},
  receivedAt: 0,
};
const settings = { bucket: "media", maxBytes: 10, maxCount: 10 };

describe("storeMedia", () => {
  test("a download that never answers is given up on: the file is skipped, the message goes on", async () => {
    const puts: string[] = [];
    const stored = await storeMedia(envelope, {}, settings, {
      download: () => new Promise(() => {}),
      put: async (key) => void puts.push(key),
      retryDelaysMs: [0],
      attemptTimeoutMs: 20,
    });
    expect(stored.attachments).toEqual([
      { kind: "voice", id: "3EB0", mime: "audio/ogg", size: 3, skipped: "download failed" },
    ]);
    expect(puts).toEqual([]);
  });

  test("a bucket that refuses the file: skipped, never thrown", async () => {
    const stored = await storeMedia(envelope, {}, settings, {
      download: async () => new Uint8Array([1, 2, 3]),
      put: async () => {
        throw new Error("AccessDenied");
      },
    });
    expect(stored.attachments[0]?.skipped).toBe("download failed");
    expect(stored.attachments[0]?.s3).toBeUndefined();
  });
});
