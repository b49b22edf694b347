import { expect, test } from "bun:test";
import { mediaType } from "./outbox.ts";

const MB = 1024 * 1024;
const of = (mime: string, bytes: number) => ({ mime, bytes: new Uint8Array(bytes) });

test("a file's message type within WhatsApp's limits; over them (or another type) it goes as a document", () => {
  expect(mediaType(of("image/png", 5 * MB))).toBe("image");
  expect(mediaType(of("image/png", 5 * MB + 1))).toBe("document");
  expect(mediaType(of("image/webp", 1))).toBe("document");
  expect(mediaType(of("audio/ogg", 16 * MB))).toBe("audio");
  expect(mediaType(of("audio/ogg", 16 * MB + 1))).toBe("document");
  expect(mediaType(of("video/mp4", 16 * MB + 1))).toBe("document");
  expect(mediaType(of("application/pdf", 1))).toBe("document");
});
