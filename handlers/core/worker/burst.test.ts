import { expect, test } from "bun:test";
import { sampleEnvelope } from "../../../test/fixtures.ts";
import type { Envelope } from "../envelope.ts";
import { burstSize, holdSeconds } from "./burst.ts";
import type { Received } from "./receive.ts";

const T0 = 1_800_000_000_000;
const message = (at: number, more: Partial<Envelope> = {}, attempt = 1): Received<unknown> => ({
  envelope: { ...sampleEnvelope, receivedAt: T0 + at, ...more },
  id: `telegram:${at}`,
  reply: more.reply ?? {},
  attempt,
});
const always = () => true;

test("held while the first message is young, for the rest of its window in whole seconds", () => {
  expect(holdSeconds(message(0), 1500, always, T0 + 100)).toBe(2);
  expect(holdSeconds(message(0), 1000, always, T0 + 100)).toBe(1);
  expect(holdSeconds(message(0), 1500, always, T0 + 1500)).toBeUndefined();
});

test("never held: the window off, a second receive, a command, or a reply that cannot merge", () => {
  expect(holdSeconds(message(0), 0, always, T0)).toBeUndefined();
  expect(holdSeconds(message(0, {}, 2), 1500, always, T0)).toBeUndefined();
  expect(holdSeconds(message(0, { command: "new" }), 1500, always, T0)).toBeUndefined();
  expect(
    holdSeconds(message(0, { reply: { kind: "interaction" } }), 1500, (r) => !("kind" in (r as object)), T0),
  ).toBeUndefined();
});

test("a burst: the sender's messages within the first one's window, up to one that is not", () => {
  const ada = { user: { id: "7" } };
  const bob = { user: { id: "8" } };
  expect(
    burstSize([message(0, ada), message(400, ada), message(1400, ada), message(1600, ada)], 1500, always),
  ).toBe(3);
  expect(burstSize([message(0, ada), message(400, bob), message(500, ada)], 1500, always)).toBe(1);
  expect(
    burstSize([message(0, ada), message(10, { ...ada, command: "new" }), message(20, ada)], 1500, always),
  ).toBe(1);
  expect(burstSize([message(0, ada), undefined, message(20, ada)], 1500, always)).toBe(1);
  expect(burstSize([message(0, ada), message(10, ada)], 0, always)).toBe(1);
});
