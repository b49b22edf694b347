import { afterAll, beforeAll, expect, spyOn, test } from "bun:test";
import { sampleEnvelope } from "../../../test/fixtures.ts";
import { setEnv } from "../../../test/harness/env.ts";
import type { Outbox } from "../adapter.ts";
import { AgentError, ConfigError, PlatformError } from "../errors.ts";
import { notices } from "../notices.ts";
import { credentialsRefused, handleFailure } from "./failure.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "warn" });
});
afterAll(() => restore());

const lines: { level: string; event: string }[] = [];
const spies = (["warn", "error"] as const).map((level) =>
  spyOn(console, level).mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line)))),
);
afterAll(() => {
  for (const spy of spies) spy.mockRestore();
});
const logged = () => lines.splice(0).map((line) => `${line.level} ${line.event}`);

const message = { envelope: sampleEnvelope, id: "telegram:1001", reply: {}, attempt: 1 };

/** An outbox that records what it sends, or fails to. */
function box(fails = false) {
  const sent: string[] = [];
  const outbox: Outbox<object> = {
    render: (markdown) => markdown,
    limit: 4096,
    typing: async () => {},
    post: async (_reply, part) => {
      if (fails) throw new PlatformError("test", "send", { status: 503, reason: "down", retryable: true });
      sent.push(part.text);
      return undefined;
    },
  };
  return { outbox, sent };
}

const busy = () => new AgentError("ThrottlingException", { retryable: true, status: 429 });
const denied = () => new AgentError("AccessDeniedException", { retryable: false, status: 403 });
const blocked = () => new PlatformError("test", "send", { status: 403, reason: "blocked", retryable: false });

test("retryable: back to the queue (a warning), the user told only on the last attempt (an error)", async () => {
  logged();
  for (const lastAttempt of [false, true]) {
    const { outbox, sent } = box();
    const outcome = await handleFailure(busy(), { message, box: outbox, lastAttempt, deadline: 0 });
    expect({ lastAttempt, outcome, sent }).toEqual({
      lastAttempt,
      outcome: "retry",
      sent: lastAttempt ? [notices.failed] : [],
    });
  }
  expect(logged()).toEqual(["warn message.failed", "error message.failed"]);
});

test("an agent that will never answer: the user is told at once and the message is done", async () => {
  const { outbox, sent } = box();
  expect(await handleFailure(denied(), { message, box: outbox, lastAttempt: false, deadline: 0 })).toBe(
    "done",
  );
  expect(sent).toEqual([notices.failed]);
});

test("…unless the notice cannot go out: then the message is kept", async () => {
  const { outbox } = box(true);
  expect(await handleFailure(denied(), { message, box: outbox, lastAttempt: false, deadline: 0 })).toBe(
    "retry",
  );
});

test("a platform refusing for good gets nothing; a configuration error keeps the message", async () => {
  const { outbox, sent } = box();
  expect(await handleFailure(blocked(), { message, box: outbox, lastAttempt: true, deadline: 0 })).toBe(
    "done",
  );
  expect(sent).toEqual([]);
  const config = new ConfigError("AGENT_RUNTIME_ARN is missing");
  expect(await handleFailure(config, { message, box: undefined, lastAttempt: false, deadline: 0 })).toBe(
    "retry",
  );
});

test("credentials refused: a 401 from the platform, nothing else", () => {
  expect(
    credentialsRefused(new PlatformError("test", "send", { status: 401, reason: "x", retryable: true })),
  ).toBe(true);
  expect(credentialsRefused(blocked())).toBe(false);
  expect(credentialsRefused(new Error("401"))).toBe(false);
});
