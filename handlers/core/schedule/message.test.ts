import { describe, expect, test } from "bun:test";
import { parseScheduled, type ScheduledInvocation, scheduledEventId } from "./message.ts";

const firing: ScheduledInvocation = {
  kind: "schedule",
  v: 1,
  channel: "telegram",
  name: "morning",
  conversation: "42",
  thread: null,
  prompt: "Summarise my day",
  time: "2026-12-02T07:00:00Z",
};

describe("parseScheduled", () => {
  test("a firing, its thread null when it has none", () => {
    expect(parseScheduled(JSON.stringify(firing))).toEqual({ ok: true, invocation: firing });
  });

  test("a firing with a WhatsApp template; parameters default to none", () => {
    const template = { name: "daily_summary", language: "en_US" };
    expect(parseScheduled(JSON.stringify({ ...firing, template }))).toEqual({
      ok: true,
      invocation: { ...firing, template: { ...template, parameters: [] } },
    });
    expect(
      parseScheduled(JSON.stringify({ ...firing, template: { ...template, name: "Daily" } })),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^template\.name: /),
    });
  });

  test("an envelope, or anything without kind schedule, is not one", () => {
    expect(parseScheduled(JSON.stringify({ v: 1, channel: "telegram" }))).toBeUndefined();
    expect(parseScheduled("not json")).toBeUndefined();
    expect(parseScheduled("null")).toBeUndefined();
  });

  test("a firing that is not valid says why", () => {
    expect(parseScheduled(JSON.stringify({ ...firing, prompt: "" }))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^prompt: /),
    });
    // The scheduler did not fill the time in: the context attribute came through escaped.
    expect(
      parseScheduled(JSON.stringify({ ...firing, time: "<aws.scheduler.scheduled-time>" })),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^time: /),
    });
  });
});

test("the event id names the schedule and the firing's time", () => {
  expect(scheduledEventId(firing)).toBe("schedule:morning:2026-12-02T07:00:00Z");
});
