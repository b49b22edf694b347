import { expect, test } from "bun:test";
import { LogCapture } from "./logs.ts";

test("the scan finds every secret value, encoded or handed out at run time, and masks it", () => {
  const logs = new LogCapture();
  const restore = logs.install(() => "ingress:test");
  try {
    console.log(JSON.stringify({ event: "ok" }));
    console.error("plain text with token-ABCDEFGH-1234");
    console.log(JSON.stringify({ url: `https://x/${encodeURIComponent("p@ss/word:12345")}` }));
    console.log(JSON.stringify({ event: "reply", token: "aW50ZXJhY3Rpb246123:abcdef" }));
  } finally {
    restore();
  }
  logs.hide(["aW50ZXJhY3Rpb246123:abcdef", "aW50ZXJhY3Rpb246999:unused"]);
  const hits = logs.scan(
    new Map([
      ["token", "token-ABCDEFGH-1234"],
      ["password (URL-encoded)", encodeURIComponent("p@ss/word:12345")],
      ["short", "abc"],
    ]),
  );
  expect(hits.map((h) => h.secret)).toEqual(["token", "password (URL-encoded)", "run-time token"]);
  expect(hits.every((h) => !h.line.includes("token-ABCDEFGH-1234") && h.line.includes("«secret»"))).toBe(
    true,
  );
  expect(logs.unstructured().map((l) => l.text)).toEqual(["plain text with token-ABCDEFGH-1234"]);
});
