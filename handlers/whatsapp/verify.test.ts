import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { parseHandshake, signatureProblem, verifyTokenMatches } from "./verify.ts";

const SECRET = "0123456789abcdef0123456789abcdef";
const sign = (raw: string | Uint8Array, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;

describe("parseHandshake", () => {
  test("subscribe with a token and a challenge", () => {
    expect(
      parseHandshake({ "hub.mode": "subscribe", "hub.verify_token": "t", "hub.challenge": "1158201444" }),
    ).toEqual({
      ok: true,
      token: "t",
      challenge: "1158201444",
    });
  });

  test("missing parameters, another mode, or a challenge that is not a short printable token", () => {
    const reasons = [
      {},
      { "hub.mode": "subscribe", "hub.challenge": "1" },
      { "hub.mode": "unsubscribe", "hub.verify_token": "t", "hub.challenge": "1" },
      { "hub.mode": "subscribe", "hub.verify_token": "t", "hub.challenge": "<script>alert(1) </script>" },
      { "hub.mode": "subscribe", "hub.verify_token": "t", "hub.challenge": "9".repeat(257) },
    ].map((q) => {
      const h = parseHandshake(q);
      return h.ok ? "ok" : h.reason;
    });
    expect(reasons).toEqual([
      "missing hub.mode, hub.verify_token or hub.challenge",
      "missing hub.mode, hub.verify_token or hub.challenge",
      "hub.mode must be subscribe",
      "bad hub.challenge",
      "bad hub.challenge",
    ]);
  });

  test("verify token: exact match only", () => {
    expect(verifyTokenMatches("token", "token")).toBe(true);
    for (const wrong of ["", "Token", "token ", "toke", "tokenx"])
      expect(verifyTokenMatches(wrong, "token")).toBe(false);
  });
});

describe("signatureProblem", () => {
  const body = '{"object":"whatsapp_business_account","entry":[{"x":"\\u00fc"}]}';

  test("accepts Meta's signature of the raw bytes, in either hex case", () => {
    expect(signatureProblem(new TextEncoder().encode(body), sign(body), SECRET)).toBeUndefined();
    expect(
      signatureProblem(
        new TextEncoder().encode(body),
        sign(body).toUpperCase().replace("SHA256", "sha256"),
        SECRET,
      ),
    ).toBeUndefined();
  });

  test("refuses a missing, malformed or wrong signature, another secret, or re-serialized JSON", () => {
    const raw = new TextEncoder().encode(body);
    const reserialized = JSON.stringify(JSON.parse(body)); // "ü" instead of "\u00fc": other bytes
    for (const header of [
      undefined,
      "",
      "sha256=",
      sign(body).slice(7),
      sign(body).replace("sha256=", "sha1="),
      sign(body, "another-app-secret-0000000000000"),
      sign(reserialized),
      `${sign(body)}0`,
    ]) {
      expect(signatureProblem(raw, header, SECRET)).toBe(header ? "bad signature" : "missing signature");
    }
  });
});
