import { expect, test } from "bun:test";
import { parseAllowlist } from "./allowlist.ts";

test("a list allows exactly its ids, trimmed", () => {
  const list = parseAllowlist(" 1, 22 ,333,");
  expect(["1", "22", "333"].map(list.allows)).toEqual([true, true, true]);
  expect(list.allows("2")).toBe(false);
  expect(list.allows("")).toBe(false);
  expect(list.empty).toBe(false);
});

test("* allows everyone", () => {
  expect(parseAllowlist("*").allows("anyone")).toBe(true);
  expect(parseAllowlist("5,*").allows("6")).toBe(true);
});

test("empty or unset allows nobody", () => {
  for (const raw of [undefined, "", " , "]) {
    const list = parseAllowlist(raw);
    expect(list.empty).toBe(true);
    expect(list.allows("1")).toBe(false);
  }
});
