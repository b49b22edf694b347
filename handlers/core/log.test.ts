import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { QueueDoesNotExist } from "@aws-sdk/client-sqs";
import { PlatformError } from "./errors.ts";
import { log } from "./log.ts";
import { QueueError } from "./queue.ts";

type Method = "debug" | "info" | "warn" | "error" | "log";
const lines: { method: Method; line: string }[] = [];
const METHODS: Method[] = ["debug", "info", "warn", "error", "log"];
const original = Object.fromEntries(METHODS.map((m) => [m, console[m]]));
beforeAll(() => {
  for (const method of METHODS) console[method] = (line: string) => lines.push({ method, line });
});
afterAll(() => Object.assign(console, original));
afterEach(() => {
  lines.length = 0;
  delete process.env.LOG_LEVEL;
});
const entries = () => lines.map((l) => JSON.parse(l.line));

test("one JSON line per event, each through the console method of its level (Lambda labels lines by it)", () => {
  process.env.LOG_LEVEL = "debug";
  log.debug("d");
  log.info("message.queued", { envelopeId: "telegram:1" });
  log.warn("slow", { ms: 5 });
  log.error("e");
  // The Lambda Node.js runtime labels console.error lines ERROR: a warning must not go there.
  expect(lines.map((l) => l.method)).toEqual(["debug", "info", "warn", "error"]);
  const [, info, warn] = entries();
  expect(info).toMatchObject({ level: "info", event: "message.queued", envelopeId: "telegram:1" });
  expect(warn).toMatchObject({ level: "warn", event: "slow", ms: 5 });
  expect(typeof warn.time).toBe("number");
});

test("LOG_LEVEL filters", () => {
  process.env.LOG_LEVEL = "warn";
  log.debug("d");
  log.info("i");
  log.error("e");
  expect(entries().map((l) => l.event)).toEqual(["e"]);
});

test("errors are logged by their typed fields, without a stack above debug level", () => {
  const err = new PlatformError("telegram", "sendMessage", {
    status: 403,
    reason: "Forbidden",
    retryable: false,
  });
  log.error("message.failed", { err });
  const [entry] = entries();
  expect(entry).toMatchObject({
    errorName: "PlatformError",
    error: "telegram sendMessage failed: 403 Forbidden",
    status: 403,
    platform: "telegram",
    method: "sendMessage",
    retryable: false,
  });
  expect(entry.stack).toBeUndefined();
  expect(entry.err).toBeUndefined();
});

test("the cause chain keeps the AWS error's name, code and HTTP status, never its message", () => {
  const aws = new QueueDoesNotExist({
    message: "queue https://sqs.us-east-1.amazonaws.com/1/q?token=SECRET-TOKEN not found",
    $metadata: { httpStatusCode: 400, requestId: "req-9" },
  });
  Object.assign(aws, { Code: "AWS.SimpleQueueService.NonExistentQueue" });
  log.warn("ingress.failed", { err: new QueueError(aws) });
  const [entry] = entries();
  expect(entry).toMatchObject({
    errorName: "QueueError",
    error: "could not enqueue the message",
    retryable: true,
    causes: [
      {
        name: "QueueDoesNotExist",
        code: "AWS.SimpleQueueService.NonExistentQueue",
        status: 400,
        fault: "client",
        awsRequestId: "req-9",
      },
    ],
  });
  expect(lines[0]?.line).not.toContain("SECRET-TOKEN");
  expect(lines[0]?.line).not.toContain("amazonaws.com");
});

test("a chain of plain errors: names and Node's codes, deepest last; messages of errors not ours are left out", () => {
  const socket = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" });
  const fetchFailed = new TypeError("fetch https://api.telegram.org/bot123:SECRET/sendMessage failed", {
    cause: socket,
  });
  log.error("typing.failed", {
    err: new Error("outer https://x.test/bot123:SECRET", { cause: fetchFailed }),
  });
  const [entry] = entries();
  expect(entry.errorName).toBe("Error");
  expect(entry.error).toBeUndefined();
  expect(entry.causes).toEqual([{ name: "TypeError" }, { name: "Error", code: "ECONNREFUSED" }]);
  expect(lines[0]?.line).not.toContain("SECRET");
  expect(lines[0]?.line).not.toContain("10.0.0.1");
});

test("at debug level an error brings its stack frames, still without its message", () => {
  process.env.LOG_LEVEL = "debug";
  log.debug("typing.failed", { err: new Error("https://x.test/bot123:SECRET") });
  const [entry] = entries();
  expect(Array.isArray(entry.stack)).toBe(true);
  expect(entry.stack.length).toBeGreaterThan(0);
  expect(entry.stack[0]).toMatch(/^at /);
  expect(lines[0]?.line).not.toContain("SECRET");
});

test("lines of an invocation carry its request id and whether it was the container's first", async () => {
  // A module instance of its own: the cold-start flag belongs to the container (module), not the test run.
  const specifier = "./log.ts?invocations";
  const fresh = (await import(specifier)) as typeof import("./log.ts");
  const handler = fresh.logInvocations(async (event: string) => {
    await Bun.sleep(1); // lines after an await still belong to the invocation
    fresh.log.info("handled", { input: event });
    return event;
  });
  expect(await handler("a", { awsRequestId: "req-1" })).toBe("a");
  await Promise.all([handler("b", { awsRequestId: "req-2" }), handler("c", { awsRequestId: "req-3" })]);
  fresh.log.info("outside");
  const [first, second, third, outside] = entries();
  expect([first, second, third].map((e) => [e.input, e.requestId, e.coldStart])).toEqual([
    ["a", "req-1", true],
    ["b", "req-2", false],
    ["c", "req-3", false],
  ]);
  expect(outside).toMatchObject({ event: "outside" });
  expect(outside.requestId).toBeUndefined();
  expect(outside.coldStart).toBeUndefined();
});
