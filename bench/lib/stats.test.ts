import { expect, test } from "bun:test";
import { distribution, num, percentile, range, ratio, summarize } from "./stats.ts";

test("median, min and max of repeated runs", () => {
  expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
  expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
  expect(summarize([]).n).toBe(0);
});

test("nearest-rank percentiles", () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(sorted, 50)).toBe(50);
  expect(percentile(sorted, 99)).toBe(99);
  expect(percentile(sorted, 100)).toBe(100);
  expect(percentile([7], 99)).toBe(7);
  expect(distribution([3, 1, 2])).toEqual({ p50: 2, p90: 3, p99: 3, max: 3, n: 3 });
});

test("formatting", () => {
  expect(num(0.04213)).toBe("0.042");
  expect(num(12.34)).toBe("12.3");
  expect(num(Number.NaN)).toBe("—");
  expect(range(summarize([1, 2, 30]), " ms")).toBe("2.00 ms (1.00–30.0)");
  expect(ratio(1, 4)).toBe("0.25×");
  expect(ratio(1, 0)).toBe("—");
});
