import { describe, expect, test } from "bun:test";
import { createSigner, unixSeconds } from "../../emulators/discord-interactions.ts";
import { importPublicKey, REPLAY_WINDOW_SECONDS, verifyRequest } from "./verify.ts";

const signer = await createSigner();
const key = () => importPublicKey(signer.publicKeyHex);
const body = new TextEncoder().encode('{"type":1,"id":"1"}');
const NOW = 1_790_000_000_000;
const ts = unixSeconds(NOW);

describe("verifyRequest", () => {
  test("a correct signature over timestamp + raw body passes", async () => {
    const signature = await signer.sign(ts, body);
    expect(await verifyRequest(key, signature, ts, body, NOW)).toBeUndefined();
    expect(await verifyRequest(key, signature.toUpperCase(), ts, body, NOW)).toBeUndefined();
  });

  test("another key, another body or another timestamp fails", async () => {
    const other = await createSigner();
    const signature = await signer.sign(ts, body);
    const bad = "bad signature";
    expect(await verifyRequest(key, await other.sign(ts, body), ts, body, NOW)).toEqual(bad);
    expect(
      await verifyRequest(key, signature, ts, new TextEncoder().encode('{"type":1,"id":"2"}'), NOW),
    ).toEqual(bad);
    const later = unixSeconds(NOW + 1000);
    expect(await verifyRequest(key, signature, later, body, NOW)).toEqual(bad);
  });

  test("missing or malformed headers fail without asking for the key", async () => {
    let asked = 0;
    const counting = () => {
      asked++;
      return key();
    };
    const signature = await signer.sign(ts, body);
    for (const [sig, time] of [
      [undefined, ts],
      ["", ts],
      ["zz".repeat(64), ts],
      [signature.slice(2), ts],
      [signature, undefined],
      [signature, "1.5"],
      [signature, "-1"],
    ] as const) {
      expect(await verifyRequest(counting, sig, time, body, NOW)).toBeDefined();
    }
    expect(asked).toBe(0);
  });

  test("timestamps outside the replay window fail, both ways", async () => {
    for (const offset of [-(REPLAY_WINDOW_SECONDS + 1), REPLAY_WINDOW_SECONDS + 1]) {
      const time = unixSeconds(NOW + offset * 1000);
      const signature = await signer.sign(time, body);
      expect(await verifyRequest(key, signature, time, body, NOW)).toBe(
        "timestamp outside the replay window",
      );
    }
    const edge = unixSeconds(NOW - (REPLAY_WINDOW_SECONDS - 1) * 1000);
    expect(await verifyRequest(key, await signer.sign(edge, body), edge, body, NOW)).toBeUndefined();
  });
});

describe("importPublicKey", () => {
  test("imports once per key and rejects what is not 64 hex digits", async () => {
    expect(importPublicKey(signer.publicKeyHex)).toBe(importPublicKey(signer.publicKeyHex.toUpperCase()));
    expect(() => importPublicKey("abc")).toThrow(/64 hex digits/);
  });
});
