/**
 * A smoke test of the bench (the bench itself runs with `bun run bench`, never under `bun test`): its
 * modules load, its bundling matches the product's, the cost model adds up, one real cold-start
 * measurement of the Telegram ingress works, and so does a small streamed-answer measurement.
 */
import { expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startSecretsManager } from "../emulators/secrets-manager.ts";
import { startSqs } from "../emulators/sqs.ts";
import { measureCold } from "./cold.ts";
import { examples, monthlyCost, PRICES, perMillionMessages } from "./cost.ts";
import { measureDiscordStreaming } from "./discord-streaming.ts";
import { BUNDLE_OPTIONS, buildDrivers, packageOf, root } from "./lib/build.ts";
import { runChild } from "./lib/node.ts";
import { BEGIN, END, withReadmeCost } from "./readme-cost.ts";
import { groupPackages } from "./sizes.ts";
import { measureSlackStreaming } from "./slack-streaming.ts";
import type { BenchStack, Subject } from "./stack.ts";
import { measureStreaming } from "./streaming.ts";
import {
  channelStreamingBudgetRows,
  channelStreamingSection,
  streamingBudgetRows,
  streamingSection,
} from "./streaming-report.ts";

test("the bench bundles peers with the options scripts/bundle.ts gives the product", async () => {
  const source = await readFile(join(root, "scripts", "bundle.ts"), "utf8");
  for (const [key, value] of Object.entries(BUNDLE_OPTIONS)) {
    if (typeof value === "object") continue;
    expect(source).toContain(`${key}: ${JSON.stringify(value)}`);
  }
  expect(source).toContain(`define: { "process.env.NODE_ENV": '"production"' }`);
});

test("bundle bytes are grouped by what they are", () => {
  expect(packageOf("../../node_modules/@aws-sdk/client-sqs/dist-es/index.js")).toBe("@aws-sdk/client-sqs");
  expect(packageOf("node_modules/hono/dist/index.js")).toBe("hono");
  expect(packageOf("handlers/core/queue.ts")).toBe("handlers/core");
  expect(
    groupPackages({ "@smithy/core": 10, "@aws-sdk/client-sqs": 5, bowser: 1, hono: 3, "handlers/core": 2 }),
  ).toEqual({ "AWS SDK": 16, hono: 3, "our code": 2 });
});

test("the cost model: fixed costs when idle, more with traffic, the relay's task when deployed", () => {
  const figures = {
    telegram: { ingressWarmMs: 2, ingressImportMs: 50, ingressFirstMs: 50, workerMs: 30, logBytes: 500 },
  };
  const telegramOnly = { name: "telegram-only", modules: ["telegram"], source: "test" };
  const idle = monthlyCost(telegramOnly, figures, 0);
  expect(idle.byService["Secrets Manager"]).toBe(PRICES.secretPerMonth);
  expect(idle.byService["API Gateway"]).toBeUndefined();
  const busy = monthlyCost(telegramOnly, figures, 1_000_000);
  expect(busy.byService["API Gateway"]).toBeCloseTo(PRICES.httpApiPerMillion, 6);
  expect(busy.total).toBeGreaterThan(monthlyCost(telegramOnly, figures, 1_000).total);
  const withRelay = monthlyCost({ ...telegramOnly, modules: ["telegram", "relay"] }, figures, 0);
  expect(withRelay.byService.Fargate).toBeCloseTo((0.25 * 0.03238 + 0.5 * 0.00356) * 730, 2);
  expect(withRelay.byService["public IPv4"]).toBeCloseTo(3.65, 2);
  expect(examples().map((e) => e.name)).toEqual(["telegram-only", "hybrid", "all-channels"]);
});

test("the worker's size: GB-s follow it, and its own time is the one measured at that size", () => {
  const telegramOnly = { name: "telegram-only", modules: ["telegram"], source: "test" };
  const base = { ingressWarmMs: 2, ingressImportMs: 50, ingressFirstMs: 50, workerMs: 30, logBytes: 500 };
  const unmeasured = { telegram: base };
  const at = (mb: number) => perMillionMessages(telegramOnly, unmeasured, mb);
  const workerLine = (mb: number) =>
    monthlyCost(telegramOnly, unmeasured, 1_000_000, { workerMemoryMb: mb }).byService[
      "Lambda worker GB-s"
    ] ?? 0;
  expect(workerLine(256)).toBeCloseTo(workerLine(512) / 2, 6);
  expect(at(256)).toBeLessThan(at(512));
  const slowAt128 = { telegram: { ...base, workerBySize: { 128: { ownMs: 5_000, importMs: 2_000 } } } };
  expect(perMillionMessages(telegramOnly, slowAt128, 128)).toBeGreaterThan(at(128));
});

test("the README's cost part is replaced between its markers, and the README has them", async () => {
  const readme = await readFile(join(root, "README.md"), "utf8");
  expect(readme).toContain(BEGIN);
  expect(readme).toContain(END);
  const replaced = withReadmeCost(`before\n${BEGIN}\nold\n${END}\nafter`, `${BEGIN}\nnew\n${END}`);
  expect(replaced).toBe(`before\n${BEGIN}\nnew\n${END}\nafter`);
  expect(withReadmeCost("no markers", "x")).toBe("no markers");
});

test("one cold start of the Telegram ingress, measured in a fresh node process", async () => {
  const bare = await runChild(["-e", "0"], undefined);
  expect(bare.code).toBe(0);
  const drivers = await buildDrivers();
  const subject = {
    name: "telegram",
    kind: "ours",
    channel: "telegram",
    bundle: join(root, "modules", "telegram", "dist", "ingress.mjs"),
    stubbed: "",
    env: {},
  } satisfies Subject;
  const stack = { subjects: [subject], rigs: new Map() } as unknown as BenchStack;
  const report = await measureCold(stack, drivers.cold, 1);
  const [result] = report.results;
  expect(result?.errors).toEqual([]);
  expect(result?.importMs.n).toBe(1);
  expect(result?.importMs.median).toBeGreaterThan(0);
  expect(result?.processMs.median).toBeGreaterThan(result?.importMs.median ?? 0);
  expect(report.bareNodeMs.n).toBe(1);
}, 30_000);

test("streamed answers on Telegram: the first text shows before the agent is done, and the whole answer after it", async () => {
  const [sqs, secrets] = await Promise.all([startSqs(), startSecretsManager()]);
  try {
    const drivers = await buildDrivers();
    const result = await measureStreaming(
      { sqs, secrets },
      drivers,
      {
        ingress: join(root, "modules", "telegram", "dist", "ingress.mjs"),
        worker: join(root, "modules", "telegram", "dist", "worker.mjs"),
      },
      { rounds: 1, answers: 1, agentSeconds: 2, pieceMs: 100, longSeconds: 0 },
    );
    expect(result.errors).toEqual([]);
    const [drafts, group, whole] = result.rows;
    for (const row of [drafts, group]) {
      expect(row?.answers).toBe(1);
      // Shown while the agent still writes; a draft or an edit per state, then the message.
      expect(row?.firstVisible.p50).toBeLessThan(2_000);
      expect(row?.callsPerAnswer.median).toBeGreaterThanOrEqual(2);
    }
    expect(whole?.firstVisible.p50).toBeGreaterThanOrEqual(2_000);
    expect(whole?.callsPerAnswer.median).toBe(1);
    expect(streamingSection(result)).toContain("| private chat, drafts | 1 |");
    expect(streamingBudgetRows(result)).toHaveLength(4);
  } finally {
    await Promise.all([sqs.close(), secrets.close()]);
  }
}, 60_000);

test("streamed answers on Slack: its stream and the update fallback show the first text before the agent is done", async () => {
  const [sqs, secrets] = await Promise.all([startSqs(), startSecretsManager()]);
  try {
    const drivers = await buildDrivers();
    const result = await measureSlackStreaming(
      { sqs, secrets },
      drivers,
      {
        ingress: join(root, "modules", "slack", "dist", "ingress.mjs"),
        worker: join(root, "modules", "slack", "dist", "worker.mjs"),
      },
      { rounds: 1, answers: 1, agentSeconds: 2, pieceMs: 100, longSeconds: 2 },
    );
    expect(result.errors).toEqual([]);
    const [stream, updates, whole] = result.rows;
    for (const row of [stream, updates]) {
      expect(row?.answers).toBe(1);
      expect(row?.firstVisible.p50).toBeLessThan(2_000);
    }
    // A stream starts, appends and stops; updates post, then (3 s apart) bring the final text.
    expect(stream?.callsPerAnswer.median).toBeGreaterThanOrEqual(3);
    expect(updates?.callsPerAnswer.median).toBeGreaterThanOrEqual(2);
    expect(whole?.firstVisible.p50).toBeGreaterThanOrEqual(2_000);
    expect(whole?.callsPerAnswer.median).toBe(1);
    expect(channelStreamingSection("Slack", "", result)).toContain(
      "| assistant thread, Slack's stream | 1 |",
    );
    expect(channelStreamingBudgetRows("slack", result)).toHaveLength(4);
    // One long answer per way, alone: its calls counted against the limit that binds them.
    const [streamLong, updatesLong] = result.long;
    expect(streamLong?.calls["chat.startStream"]).toBe(1);
    expect(streamLong?.calls["chat.stopStream"]).toBe(1);
    expect(updatesLong?.calls["chat.postMessage"]).toBe(1);
    expect(updatesLong?.busiest).toBeGreaterThanOrEqual(1);
    expect(updatesLong?.busiest).toBeLessThanOrEqual(updatesLong?.max ?? 0);
    expect(channelStreamingSection("Slack", "", result)).toContain("chat.update: 50 a minute (Tier 3)");
  } finally {
    await Promise.all([sqs.close(), secrets.close()]);
  }
}, 60_000);

test("streamed answers on Discord: the slash command's @original and the gateway reply show the first text before the agent is done", async () => {
  const [sqs, secrets] = await Promise.all([startSqs(), startSecretsManager()]);
  try {
    const drivers = await buildDrivers();
    const result = await measureDiscordStreaming(
      { sqs, secrets },
      drivers,
      join(root, "modules", "discord", "dist", "worker.mjs"),
      { rounds: 1, answers: 1, agentSeconds: 2, pieceMs: 100, longSeconds: 2 },
    );
    expect(result.errors).toEqual([]);
    const [slash, gateway, whole] = result.rows;
    for (const row of [slash, gateway]) {
      expect(row?.answers).toBe(1);
      expect(row?.firstVisible.p50).toBeLessThan(2_000);
      expect(row?.callsPerAnswer.median).toBeGreaterThanOrEqual(2);
    }
    expect(whole?.firstVisible.p50).toBeGreaterThanOrEqual(2_000);
    expect(whole?.callsPerAnswer.median).toBe(1);
    expect(channelStreamingSection("Discord", "", result)).toContain("| slash command, edits | 1 |");
    expect(channelStreamingBudgetRows("discord", result)).toHaveLength(4);
    const [slashLong, gatewayLong] = result.long;
    for (const long of [slashLong, gatewayLong]) {
      expect(long?.busiest).toBeGreaterThanOrEqual(1);
      expect(long?.busiest).toBeLessThanOrEqual(long?.max ?? 0);
      expect(long?.rateLimited).toBe(0);
    }
    expect(channelStreamingSection("Discord", "", result)).toContain("edits: 5 per 5 s (observed)");
  } finally {
    await Promise.all([sqs.close(), secrets.close()]);
  }
}, 60_000);
