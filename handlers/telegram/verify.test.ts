import { expect, test } from "bun:test";
import { secretTokenProblem } from "./verify.ts";

test("only the exact registered secret token matches", () => {
  expect(secretTokenProblem("s3cret_token-A", "s3cret_token-A")).toBeUndefined();
  expect(secretTokenProblem(undefined, "s3cret_token-A")).toBe("missing secret token");
  expect(secretTokenProblem("", "s3cret_token-A")).toBe("missing secret token");
  for (const given of ["s3cret_token-a", "s3cret_token-A ", "s3cret_token-", "s3cret_token-AA"])
    expect(secretTokenProblem(given, "s3cret_token-A")).toBe("bad secret token");
});
