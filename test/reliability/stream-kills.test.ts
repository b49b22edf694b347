/**
 * The kill-mid-stream part of the reliability suite, small (`bun run reliability` runs it at full size):
 * Telegram workers killed while the chat shows the answer growing leave one answer, whole, and a finished
 * answer delivered again sends nothing; the same on Slack (its stream, and updates), Discord (`@original`
 * and gateway edits) and WhatsApp (held to the end).
 */
import { expect, test } from "bun:test";
import { LogCapture } from "./logs.ts";
import { runStreamKills } from "./stream-kills.ts";
import { runPlatformKills } from "./stream-kills-platforms.ts";

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

test("Slack, Discord, WhatsApp workers killed mid-stream: one answer each (or the known gap), nothing sent on redelivery", async () => {
  const logs = new LogCapture();
  // Two runs per channel: one of each way it shows an answer growing.
  const runs = 2;
  const all = await runPlatformKills({ seed: 3, runs }, logs);
  expect(all.map((k) => k.channel)).toEqual(["slack", "discord", "whatsapp"]);
  for (const figures of all) {
    expect(figures, figures.channel).toMatchObject({
      runs,
      duplicated: 0,
      lost: 0,
      leftOpen: 0,
      redelivered: runs,
      redeliveredSends: 0,
      redeliveredAgentCalls: 0,
    });
    expect(figures.oneAnswer + figures.duplicatedUnknowable, figures.channel).toBe(runs);
    // It did what it says: workers were killed (or the answer finished first), every kind ran.
    expect(figures.kills + figures.finishedFirst, figures.channel).toBeGreaterThanOrEqual(runs);
    expect(Object.keys(figures.kinds).length, figures.channel).toBe(figures.channel === "whatsapp" ? 1 : 2);
  }
  expect(all.reduce((n, k) => n + k.kills, 0)).toBeGreaterThan(0);
  expect(logs.unstructured()).toEqual([]);
}, 180_000);
