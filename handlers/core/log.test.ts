import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { PlatformError } from "./errors.ts";
import { log } from "./log.ts";

const lines: { stream: string; line: string }[] = [];
const original = { log: console.log, error: console.error };
beforeAll(() => {
  console.log = (line: string) => lines.push({ stream: "out", line });
  console.error = (line: string) => lines.push({ stream: "err", line });
});
afterAll(() => Object.assign(console, original));
afterEach(() => {
  lines.length = 0;
  delete process.env.LOG_LEVEL;
});

test("one JSON line per event, warnings and errors on stderr", () => {
  log.info("message.queued", { envelopeId: "telegram:1" });
  log.warn("slow", { ms: 5 });
  const [info, warn] = lines;
  expect(info?.stream).toBe("out");
  expect(JSON.parse(info?.line ?? "")).toMatchObject({
    level: "info",
    event: "message.queued",
    envelopeId: "telegram:1",
  });
  expect(warn?.stream).toBe("err");
  expect(typeof JSON.parse(warn?.line ?? "").time).toBe("number");
});

test("LOG_LEVEL filters", () => {
  process.env.LOG_LEVEL = "warn";
  log.debug("d");
  log.info("i");
  log.error("e");
  expect(lines.map((l) => JSON.parse(l.line).event)).toEqual(["e"]);
});

test("errors are logged by their typed fields, without a stack", () => {
  const err = new PlatformError("telegram", "sendMessage", {
    status: 403,
    reason: "Forbidden",
    retryable: false,
  });
  log.error("message.failed", { err });
  const entry = JSON.parse(lines[0]?.line ?? "");
  expect(entry).toMatchObject({
    errorName: "PlatformError",
    status: 403,
    platform: "telegram",
    method: "sendMessage",
    retryable: false,
  });
  expect(entry.stack).toBeUndefined();
  expect(entry.err).toBeUndefined();
});
