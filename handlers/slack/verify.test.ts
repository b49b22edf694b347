import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { MAX_SKEW_SECONDS, slackSignature, verifySlackSignature } from "./verify.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const NOW = 1_531_420_618;
const BODY = new TextEncoder().encode(
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V",
);

describe("verifySlackSignature", () => {
  test("Slack's documented example: v0= + hex HMAC-SHA256 of v0:timestamp:body", () => {
    // The example request of Slack's "Verifying requests from Slack" guide.
    const body = new TextEncoder().encode(
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
    );
    const expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    expect(slackSignature(SECRET, "1531420618", body)).toBe(expected);
    expect(verifySlackSignature(SECRET, "1531420618", expected, body, NOW)).toBeUndefined();
  });

  test("the same over a string body", () => {
    const text = new TextDecoder().decode(BODY);
    expect(slackSignature(SECRET, "1", text)).toBe(slackSignature(SECRET, "1", BODY));
  });

  test("missing headers", () => {
    const good = slackSignature(SECRET, String(NOW), BODY);
    expect(verifySlackSignature(SECRET, undefined, good, BODY, NOW)).toBe("missing signature headers");
    expect(verifySlackSignature(SECRET, String(NOW), undefined, BODY, NOW)).toBe("missing signature headers");
    expect(verifySlackSignature(SECRET, "", "", BODY, NOW)).toBe("missing signature headers");
  });

  test("timestamps more than 5 minutes away, either way, or not a number: stale", () => {
    for (const ts of [NOW - MAX_SKEW_SECONDS - 1, NOW + MAX_SKEW_SECONDS + 1]) {
      const signature = slackSignature(SECRET, String(ts), BODY);
      expect(verifySlackSignature(SECRET, String(ts), signature, BODY, NOW)).toBe("stale timestamp");
    }
    for (const ts of [NOW - MAX_SKEW_SECONDS, NOW + MAX_SKEW_SECONDS]) {
      const signature = slackSignature(SECRET, String(ts), BODY);
      expect(verifySlackSignature(SECRET, String(ts), signature, BODY, NOW)).toBeUndefined();
    }
    for (const ts of ["1.5e9", "-1", "abc", " 1531420618", "1531420618000000"]) {
      expect(verifySlackSignature(SECRET, ts, "v0=00", BODY, NOW)).toBe("stale timestamp");
    }
  });

  test("any change to body, timestamp, secret or signature fails", () => {
    const ts = String(NOW);
    const good = slackSignature(SECRET, ts, BODY);
    const tampered = new Uint8Array(BODY);
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    expect(verifySlackSignature(SECRET, ts, good, tampered, NOW)).toBe("bad signature");
    expect(verifySlackSignature(SECRET, String(NOW - 1), good, BODY, NOW)).toBe("bad signature");
    expect(verifySlackSignature(`${SECRET}x`, ts, good, BODY, NOW)).toBe("bad signature");
    expect(verifySlackSignature(SECRET, ts, good.toUpperCase(), BODY, NOW)).toBe("bad signature");
    expect(verifySlackSignature(SECRET, ts, good.replace("v0=", "v1="), BODY, NOW)).toBe("bad signature");
    expect(verifySlackSignature(SECRET, ts, good.slice(0, -1), BODY, NOW)).toBe("bad signature");
    // The signature of the bare body (no "v0:ts:" prefix) is not accepted.
    const bare = `v0=${createHmac("sha256", SECRET).update(BODY).digest("hex")}`;
    expect(verifySlackSignature(SECRET, ts, bare, BODY, NOW)).toBe("bad signature");
  });

  test("bytes are signed as bytes: invalid UTF-8 is not normalized away", () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const ts = String(NOW);
    const signature = slackSignature(SECRET, ts, bytes);
    expect(verifySlackSignature(SECRET, ts, signature, bytes, NOW)).toBeUndefined();
    const decoded = new TextEncoder().encode(new TextDecoder().decode(bytes));
    expect(verifySlackSignature(SECRET, ts, signature, decoded, NOW)).toBe("bad signature");
  });
});
