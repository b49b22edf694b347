/**
 * The fast subset of the reliability suite (`bun run reliability` runs it at full size): every channel's
 * built ingress fuzzed and forged at, the worker over what got through, one small fault simulation,
 * the modules' security checks and the scan of every log line for secrets. Every must-be-zero figure
 * must be 0, and the run must have done what it claims.
 */
import { expect, test } from "bun:test";
import { mustBeZero, runSuite, type SuiteSize } from "./suite.ts";

const FAST: SuiteSize = {
  seed: 2,
  fuzzCases: 600,
  forgeries: 150,
  personalMessages: 120,
  // Run on their own: stream-kills.test.ts.
  streamKills: 0,
  withoutLedger: false,
  // The modules' default: strangers pair, an admin allows and revokes (the full run does allowlist too).
  policies: ["pairing"],
  simChannels: ["telegram"],
  sim: {
    conversations: 6,
    messagesPerConversation: 4,
    strangerEvery: 3,
    pollers: 3,
    functionTimeoutMs: 3_000,
    // Just over the function timeout: a killed instance is gone at once (see FULL in suite.ts).
    visibilityTimeoutSeconds: 4,
    backoffDivisor: 30,
    maxReceiveCount: 3,
    redeliveries: 5,
    timeLimitMs: 60_000,
    faults: {
      agent: 0.25,
      doomed: 0.05,
      refused: 0.05,
      platform: 0.15,
      hang: 0,
      killAfterSend: 0.03,
      killBeforeSend: 0.03,
      crash: 0.03,
      thrown: 0.04,
      sqsDown: 0.15,
      duplicate: 0.1,
    },
  },
};

test("fuzz, forgeries, faults, modules and logs: every must-be-zero figure is 0", async () => {
  const figures = await runSuite(FAST);
  const zero = Object.fromEntries(Object.keys(mustBeZero(figures)).map((k) => [k, 0]));
  expect(mustBeZero(figures)).toEqual(zero);

  // It ran what it says: every covered channel fuzzed and forged at, the worker fed, the simulation settled.
  const covered = figures.channels.filter((c) => !c.skipped).map((c) => c.channel);
  expect(covered).toContain("telegram");
  for (const fuzz of figures.fuzz) {
    expect(fuzz.cases).toBe(FAST.fuzzCases);
    expect(fuzz.queuedRequests).toBeGreaterThan(0);
    expect(fuzz.byClass["4xx"]).toBeGreaterThan(0);
  }
  for (const forged of figures.forgeries) expect(forged.forgeries).toBeGreaterThanOrEqual(FAST.forgeries);
  for (const drained of figures.drains) expect(drained.invocations).toBeGreaterThan(0);
  const [sim] = figures.sims;
  // 24, and each of the 2 strangers writing twice more after the admin's answers.
  expect(sim?.messages).toBe(28);
  expect(sim?.answered).toBeGreaterThan(0);
  expect(sim?.agentFaults).toBeGreaterThan(0);
  expect(sim?.redelivered).toBeGreaterThan(0);
  // Pairing ran what it says: codes given, one allowed and answered, one revoked.
  expect(sim?.policy).toBe("pairing");
  expect(sim?.pairing?.codesGiven).toBeGreaterThan(0);
  expect(sim?.pairing?.granted).toBeGreaterThan(0);
  expect(sim?.pairing?.revoked).toBeGreaterThan(0);
  expect(sim?.pairing?.pairedAgentCalls).toBeGreaterThan(0);
  // The personal account: strangers wrote in every form, allowed users were answered, chatter was not.
  const personal = figures.personal;
  expect(personal?.strangerMessages).toBeGreaterThan(20);
  expect(personal?.strangerEnvelopesInjected).toBeGreaterThan(0);
  expect(personal?.addressedAnswered).toBe(personal?.addressed);
  expect(personal?.addressed).toBeGreaterThan(10);
  expect(personal?.unaddressed).toBeGreaterThan(0);
  expect(personal?.unaddressedAnswered).toBe(0);
  expect(figures.logLines).toBeGreaterThan(1000);
}, 60_000);
