import { expect, test } from "bun:test";
import { secretTokenMatches } from "./verify.ts";

test("only the exact registered secret token matches", () => {
  expect(secretTokenMatches("s3cret_token-A", "s3cret_token-A")).toBe(true);
  for (const given of [
    undefined,
    "",
    "s3cret_token-a",
    "s3cret_token-A ",
    "s3cret_token-",
    "s3cret_token-AA",
  ])
    expect(secretTokenMatches(given, "s3cret_token-A")).toBe(false);
});
