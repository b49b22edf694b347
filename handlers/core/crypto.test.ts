import { expect, test } from "bun:test";
import { hmacSha256Hex, safeEqual, sha256Hex } from "./crypto.ts";

test("safeEqual compares whole strings", () => {
  expect(safeEqual("secret", "secret")).toBe(true);
  expect(safeEqual("secreT", "secret")).toBe(false);
  expect(safeEqual("secret-longer", "secret")).toBe(false);
  expect(safeEqual("", "secret")).toBe(false);
  expect(safeEqual(undefined, "secret")).toBe(false);
});

test("digests are hex of the known vectors", () => {
  expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2
  expect(hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});
