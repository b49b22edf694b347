import { afterAll, describe, expect, test } from "bun:test";
import type { MediaSource } from "../adapter.ts";
import type { Attachment, Envelope } from "../envelope.ts";
import { MediaError } from "../errors.ts";
import { fetchAttachments, mediaKey } from "./attach.ts";
import type { MediaStore } from "./store.ts";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (request) =>
    new Response(`bytes of ${new URL(request.url).pathname.slice(1)}`, {
      headers: { "content-type": "application/octet-stream" },
    }),
});
afterAll(() => server.stop(true));

const envelope = (attachments: Attachment[]): Envelope => ({
  v: 1,
  channel: "telegram",
  eventId: "42",
  conversation: "7",
  user: { id: "7" },
  text: "hi",
  attachments,
  reply: {},
  receivedAt: 0,
});

/** A source that serves every file from the server, except ids it is told to refuse. */
function source(refuse: Record<string, MediaError> = {}): MediaSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async locate(attachment) {
      asked.push(attachment.id);
      const refusal = refuse[attachment.id];
      if (refusal) throw refusal;
      return { url: `${server.url}${attachment.id}` };
    },
  };
}

function store(): MediaStore & { keys: string[] } {
  const keys: string[] = [];
  return {
    keys,
    async put(key, _bytes, mime) {
      keys.push(`${key} ${mime}`);
      return { url: `https://s3.example/${key}`, s3: `s3://b/${key}` };
    },
    read: async () => {
      throw new Error("not read here");
    },
  };
}

const doc = (id: string, extra: Partial<Attachment> = {}): Attachment => ({ kind: "document", id, ...extra });

describe("fetchAttachments", () => {
  test("each file stored with the stated type (the served one when none was stated); beyond the count cap skipped", async () => {
    const bucket = store();
    const src = source();
    const out = await fetchAttachments(
      envelope([doc("a", { mime: "application/pdf", name: "a.pdf" }), doc("b"), doc("c")]),
      src,
      { store: bucket, maxBytes: 1024, maxCount: 2 },
      false,
    );
    expect(out).toEqual([
      expect.objectContaining({
        id: "a",
        mime: "application/pdf",
        size: 10,
        s3: `s3://b/${mediaKey(envelope([]), 0, "a.pdf")}`,
      }),
      expect.objectContaining({ id: "b", mime: "application/octet-stream", size: 10 }),
      { kind: "document", id: "c", skipped: "too many" },
    ]);
    expect(src.asked).toEqual(["a", "b"]);
    expect(bucket.keys[0]).toMatch(/^in\/telegram\/[0-9a-f]{32}\/[0-9a-f]{32}\/0-a\.pdf application\/pdf$/);
  });

  test("no bucket: media off; no source: not available; stated too large: not asked for", async () => {
    const src = source();
    const files = envelope([doc("a", { size: 5000 })]);
    expect(
      await fetchAttachments(files, src, { store: undefined, maxBytes: 10, maxCount: 5 }, false),
    ).toEqual([{ kind: "document", id: "a", size: 5000, skipped: "media off" }]);
    expect(
      await fetchAttachments(files, undefined, { store: store(), maxBytes: 10, maxCount: 5 }, false),
    ).toEqual([{ kind: "document", id: "a", size: 5000, skipped: "not available" }]);
    expect(await fetchAttachments(files, src, { store: store(), maxBytes: 10, maxCount: 5 }, false)).toEqual([
      { kind: "document", id: "a", size: 5000, skipped: "too large" },
    ]);
    expect(src.asked).toEqual([]);
  });

  test("a failure for now throws (the message comes back), except on the last attempt; a refusal is skipped", async () => {
    const src = source({
      flaky: new MediaError("download failed", { retryable: true }),
      gone: new MediaError("not available", { retryable: false }),
    });
    const settings = { store: store(), maxBytes: 1024, maxCount: 5 };
    await expect(fetchAttachments(envelope([doc("flaky")]), src, settings, false)).rejects.toThrow(
      MediaError,
    );
    expect(
      await fetchAttachments(envelope([doc("flaky"), doc("gone"), doc("ok")]), src, settings, true),
    ).toEqual([
      { kind: "document", id: "flaky", skipped: "download failed" },
      { kind: "document", id: "gone", skipped: "not available" },
      expect.objectContaining({ id: "ok", url: expect.any(String) }),
    ]);
  });

  test("files already handed out or already skipped pass through", async () => {
    const src = source();
    const kept = [
      doc("r", { s3: "s3://b/in/x", url: "https://s3.example/in/x" }),
      doc("s", { skipped: "too large" }),
    ];
    expect(
      await fetchAttachments(envelope(kept), src, { store: store(), maxBytes: 1, maxCount: 5 }, false),
    ).toEqual(kept);
    expect(src.asked).toEqual([]);
  });

  test("files the relay stored get their URL from the store; a URI it does not hand out is not available", async () => {
    const src = source();
    const presigning: MediaStore = {
      ...store(),
      async presign(s3) {
        return s3.startsWith("s3://b/relay/") ? { url: `https://s3.example/${s3.slice(7)}`, s3 } : undefined;
      },
    };
    const stored = [
      doc("r", { s3: "s3://b/relay/x", mime: "image/png" }),
      doc("f", { s3: "s3://other/relay/x" }),
    ];
    expect(
      await fetchAttachments(envelope(stored), src, { store: presigning, maxBytes: 1, maxCount: 5 }, false),
    ).toEqual([
      doc("r", { s3: "s3://b/relay/x", mime: "image/png", url: "https://s3.example/relay/x" }),
      doc("f", { skipped: "not available" }),
    ]);
    // Without a media bucket: the file is off, as any other.
    expect(
      await fetchAttachments(
        envelope(stored.slice(0, 1)),
        src,
        { store: undefined, maxBytes: 1, maxCount: 5 },
        false,
      ),
    ).toEqual([doc("r", { mime: "image/png", skipped: "media off" })]);
    expect(src.asked).toEqual([]);
  });
});
