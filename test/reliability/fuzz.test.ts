import { expect, test } from "bun:test";
import { telegramProfile } from "./channels/telegram.ts";
import { caseGenerator, type FuzzCase, judge } from "./fuzz.ts";
import type { DeliveryOutcome } from "./rig.ts";

const base: FuzzCase = {
  index: 0,
  labels: [],
  delivery: { method: "POST", path: "/x", headers: {} },
  encoding: "plain",
  signed: true,
  sqsDown: false,
};
const outcome = (o: Partial<DeliveryOutcome>): DeliveryOutcome => ({
  status: 200,
  body: "ok",
  sends: 0,
  outage: false,
  refused: 0,
  ...o,
});
const kinds = (c: FuzzCase, o: DeliveryOutcome) =>
  judge(c, o, new Map([["s", "secret-value-123"]])).map((d) => d.kind);

test("judge: what the relay must never do", () => {
  expect(kinds(base, outcome({}))).toEqual([]);
  expect(kinds(base, outcome({ status: 503, outage: true }))).toEqual([]);
  expect(kinds(base, outcome({ status: 500 }))).toEqual(["5xx without an SQS outage"]);
  expect(kinds(base, outcome({ status: 503, sends: 1, refused: 1 }))).toEqual([
    "5xx: SQS refused the message",
  ]);
  expect(kinds(base, outcome({ status: undefined, threw: new Error("x") }))).toEqual(["handler threw"]);
  expect(kinds(base, outcome({ sends: 1, outage: true }))).toEqual(["acknowledged while SQS was down"]);
  expect(kinds({ ...base, signed: false }, outcome({ sends: 1 }))).toEqual([
    "queued without a valid proof",
    "accepted without a valid proof",
  ]);
  expect(kinds(base, outcome({ status: 400, body: "bad secret-value-123" }))).toEqual([
    "secret in a response",
  ]);
});

test("the generator is deterministic for a seed, and covers every kind of damage", async () => {
  const profile = await telegramProfile();
  const run = async (seed: number) => {
    const next = caseGenerator(profile, seed);
    const cases: FuzzCase[] = [];
    for (let i = 0; i < 400; i++) cases.push(await next());
    return cases;
  };
  const [a, b, c] = await Promise.all([run(5), run(5), run(6)]);
  const summary = (cases: FuzzCase[]) =>
    cases.map((x) => `${x.labels.join("/")} ${x.signed} ${x.delivery.body?.length}`);
  expect(summary(a)).toEqual(summary(b));
  expect(summary(a)).not.toEqual(summary(c));
  const labels = new Set(a.flatMap((x) => x.labels));
  for (const label of [
    "wrong type",
    "truncated",
    "bits flipped",
    "header duplicated",
    "base64",
    "no proof",
  ]) {
    expect(labels).toContain(label);
  }
  expect(a.some((x) => !x.signed)).toBe(true);
  expect(a.some((x) => x.sqsDown)).toBe(true);
});
