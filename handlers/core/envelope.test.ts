import { describe, expect, test } from "bun:test";
import { sampleEnvelope as sample } from "../../test/fixtures.ts";
import { conversationKey, envelopeId, parseEnvelope } from "./envelope.ts";

describe("parseEnvelope", () => {
  test("round-trips a valid envelope", () => {
    const result = parseEnvelope(JSON.stringify(sample));
    expect(result).toEqual({ ok: true, envelope: sample });
  });

  test("rejects non-JSON, wrong version and bad fields with a reason that names the field", () => {
    expect(parseEnvelope("{")).toEqual({ ok: false, reason: "body is not JSON" });
    const wrongVersion = parseEnvelope(JSON.stringify({ ...sample, v: 2 }));
    expect(wrongVersion.ok).toBe(false);
    const badUser = parseEnvelope(JSON.stringify({ ...sample, user: { id: "" } }));
    expect(badUser).toMatchObject({ ok: false, reason: expect.stringContaining("user.id") });
    const badChannel = parseEnvelope(JSON.stringify({ ...sample, channel: "Tele gram" }));
    expect(badChannel.ok).toBe(false);
  });

  test("keeps attachments metadata and drops unknown keys", () => {
    const withExtra = { ...sample, attachments: [{ kind: "image", id: "f1", size: 10 }], extra: true };
    const result = parseEnvelope(JSON.stringify(withExtra));
    expect(result.ok && result.envelope.attachments).toEqual([{ kind: "image", id: "f1", size: 10 }]);
    expect(result.ok && "extra" in result.envelope).toBe(false);
  });
});

test("ids: envelope id and conversation key include the thread when there is one", () => {
  expect(envelopeId(sample)).toBe("telegram:1001");
  expect(conversationKey(sample)).toBe("telegram:42");
  expect(conversationKey({ ...sample, thread: "9" })).toBe("telegram:42:9");
});
