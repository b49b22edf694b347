import { describe, expect, spyOn, test } from "bun:test";
import { encryptedStream } from "baileys";
import { CallLog } from "../../emulators/http.ts";
import { memoryStore } from "../testing.ts";
import { storedAuthState } from "./auth-state.ts";
import { baileysConnector, closeReason, downloadMedia, fileContent } from "./baileys.ts";
import { type ConnectionUpdate, MediaTooLarge } from "./socket.ts";

describe("Baileys behind the socket interface", () => {
  test("status codes map to what the relay does", () => {
    expect(closeReason(401)).toBe("logged_out");
    expect(closeReason(515)).toBe("restart_required");
    expect(closeReason(440)).toBe("replaced");
    expect([408, 428, 500, 503, undefined].map(closeReason)).toEqual([
      "lost",
      "lost",
      "lost",
      "lost",
      "lost",
    ]);
  });

  test("the real Baileys socket, with our S3-style auth state, reports a server that hangs up as lost", async () => {
    // A loopback "WhatsApp" that accepts the WebSocket and closes it at once.
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response("no", { status: 400 })),
      websocket: { open: (ws) => ws.close(1011, "bye"), message: () => {} },
    });
    const quiet = spyOn(console, "error").mockImplementation(() => {}); // Baileys' own error line
    const updates = new CallLog<ConnectionUpdate>();
    const auth = await storedAuthState(memoryStore(), "wa/");
    expect(auth.paired).toBe(false);
    const socket = baileysConnector({ waWebSocketUrl: `ws://127.0.0.1:${server.port}/ws/chat` })(auth.state, {
      onUpdate: (u) => updates.push(u),
      onMessages: () => {},
      onCredsUpdate: () => {},
    });
    try {
      const closed = await updates.waitFor((items) => items.find((u) => u.state === "closed"), 10_000);
      expect(closed).toMatchObject({ state: "closed", reason: "lost" });
      expect(updates.items[0]?.state).toBe("connecting");
    } finally {
      socket.end();
      await server.stop(true);
      quiet.mockRestore();
    }
  });

  test("auth state: creds and keys round-trip with their bytes; a logout clears them", async () => {
    const store = memoryStore();
    const first = await storedAuthState(store, "wa/");
    first.state.creds.me = { id: "1@s.whatsapp.net" };
    await first.saveCreds();
    await first.state.keys.set({
      "pre-key": { "7": { public: new Uint8Array([1]), private: new Uint8Array([2, 255]) } },
      session: { "a:b/c": new Uint8Array([9]) },
    });
    expect([...store.objects.keys()].sort()).toEqual([
      "wa/creds.json",
      "wa/keys/pre-key/7.json",
      "wa/keys/session/a%3Ab%2Fc.json",
    ]);
    const second = await storedAuthState(store, "wa/");
    expect(second.paired).toBe(true);
    expect(second.state.creds.me?.id).toBe("1@s.whatsapp.net");
    expect(
      Buffer.from(second.state.creds.noiseKey.private).equals(
        Buffer.from(first.state.creds.noiseKey.private),
      ),
    ).toBe(true);
    const keys = await second.state.keys.get("pre-key", ["7"]);
    expect([...(keys["7"]?.private ?? [])]).toEqual([2, 255]);
    await second.state.keys.set({ "pre-key": { "7": null } });
    expect(store.objects.has("wa/keys/pre-key/7.json")).toBe(false);
    await second.clear();
    expect(store.objects.size).toBe(0);
    expect((await storedAuthState(store, "wa/")).paired).toBe(false);
  });
});

describe("media through Baileys", () => {
  test("a message's media fetched from its URL and decrypted with its key; past the cap, dropped", async () => {
    const photo = new Uint8Array(3000).map((_, i) => i % 251);
    // What WhatsApp's CDN serves: the file as the sender's app encrypted it (Baileys' own encryption).
    const enc = await encryptedStream(Buffer.from(photo), "image");
    const body = await Bun.file(enc.encFilePath).bytes();
    const cdn = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body) });
    try {
      const message = {
        key: { remoteJid: "4915551234567@s.whatsapp.net", id: "3EB0MEDIA", fromMe: false },
        message: {
          imageMessage: {
            url: `${cdn.url}v/t62.7118-24/photo.enc`,
            mediaKey: enc.mediaKey,
            mimetype: "image/jpeg",
            fileLength: photo.byteLength,
            fileSha256: enc.fileSha256,
            fileEncSha256: enc.fileEncSha256,
          },
        },
      };
      expect(await downloadMedia(message, 5000)).toEqual(Buffer.from(photo));
      await expect(downloadMedia(message, 1000)).rejects.toBeInstanceOf(MediaTooLarge);
    } finally {
      cdn.stop(true);
      await Bun.file(enc.encFilePath).delete();
    }
  });
});

test("a file as Baileys sends it: by kind; a voice note as PTT Ogg/Opus; documents keep their name; no caption on audio", () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const file = (kind: "image" | "audio" | "voice" | "video" | "document", mime: string) =>
    fileContent({ bytes, mime, name: "f.bin", kind, caption: "c" });
  expect(file("image", "image/png")).toEqual({
    image: Buffer.from(bytes),
    mimetype: "image/png",
    caption: "c",
  });
  expect(file("voice", "audio/ogg")).toEqual({
    audio: Buffer.from(bytes),
    mimetype: "audio/ogg; codecs=opus",
    ptt: true,
  });
  expect(file("audio", "audio/mpeg")).toEqual({
    audio: Buffer.from(bytes),
    mimetype: "audio/mpeg",
    ptt: false,
  });
  expect(file("video", "video/mp4")).toEqual({
    video: Buffer.from(bytes),
    mimetype: "video/mp4",
    caption: "c",
  });
  expect(file("document", "application/pdf")).toEqual({
    document: Buffer.from(bytes),
    mimetype: "application/pdf",
    fileName: "f.bin",
    caption: "c",
  });
});
