/**
 * The kill-mid-stream part of the reliability suite, small (`bun run reliability` runs it at full size):
 * Telegram workers killed while the chat shows the answer growing leave one answer, whole, and a finished
 * answer delivered again sends nothing.
 */
import { expect, test } from "bun:test";
import { LogCapture } from "./logs.ts";
import { runStreamKills } from "./stream-kills.ts";

test("workers killed mid-stream: one answer each, no draft left, nothing sent on redelivery", async () => {
  const logs = new LogCapture();
  const runs = 4;
  const figures = await runStreamKills({ seed: 3, runs }, logs);
  expect(figures).toMatchObject({
    runs,
    duplicated: 0,
    lost: 0,
    draftsLeft: 0,
    redelivered: runs,
    redeliveredSends: 0,
    redeliveredAgentCalls: 0,
  });
  // It did what it says: workers were killed while an answer showed, in both kinds of chat.
  expect(figures.kills).toBeGreaterThanOrEqual(runs);
  expect(figures.privateChats).toBeGreaterThan(0);
  expect(figures.groups).toBeGreaterThan(0);
  expect(figures.oneAnswer + figures.duplicatedUnknowable).toBe(runs);
  expect(figures.visibleStates).toBeGreaterThan(runs * 2);
  expect(logs.unstructured()).toEqual([]);
}, 120_000);
