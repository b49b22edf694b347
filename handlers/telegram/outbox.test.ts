import { expect, test } from "bun:test";
import { albumKind, fileMethod } from "./outbox.ts";

const MB = 1024 * 1024;
const of = (kind: "image" | "audio" | "voice" | "video" | "document", bytes: number) => ({
  kind,
  bytes: new Uint8Array(bytes),
});

test("a file's Bot API method by its kind; a photo over 10 MB goes as a document", () => {
  expect(fileMethod(of("image", 10 * MB))).toEqual({ method: "sendPhoto", field: "photo" });
  expect(fileMethod(of("image", 10 * MB + 1))).toEqual({ method: "sendDocument", field: "document" });
  expect(fileMethod(of("voice", 1)).method).toBe("sendVoice");
  expect(fileMethod(of("audio", 1)).method).toBe("sendAudio");
  expect(fileMethod(of("video", 1)).method).toBe("sendVideo");
  expect(fileMethod(of("document", 1)).method).toBe("sendDocument");
});

test("albums: photos with videos, audio with audio, documents with documents (a big photo is one); voice alone", () => {
  expect([of("image", 1), of("video", 1)].map(albumKind)).toEqual(["media", "media"]);
  expect(albumKind(of("image", 10 * MB + 1))).toBe("document");
  expect(albumKind(of("audio", 1))).toBe("audio");
  expect(albumKind(of("document", 1))).toBe("document");
  expect(albumKind(of("voice", 1))).toBeUndefined();
});
