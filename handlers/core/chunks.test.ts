import { expect, test } from "bun:test";
import type { SendOptions } from "./adapter.ts";
import { OutOfTimeError } from "./budget.ts";
import { sendChunks } from "./chunks.ts";
import { PlatformError } from "./errors.ts";

/** Records what sendChunks tells the ledger, as the worker's callbacks would. */
function recorder(options: Partial<SendOptions> = {}) {
  const events: string[] = [];
  const opts: SendOptions = {
    deadline: Date.now() + 10_000,
    key: "test:1",
    sending: async (index) => void events.push(`sending ${index}`),
    delivered: async (count) => void events.push(`delivered ${count}`),
    ...options,
  };
  return { events, opts };
}

test("each chunk is recorded in flight before it goes out and delivered after; delivered chunks are skipped", async () => {
  const { events, opts } = recorder({ skip: 1 });
  const sent: string[] = [];
  await sendChunks(["a", "b", "c"], opts, async (chunk) => void sent.push(chunk));
  expect(sent).toEqual(["b", "c"]);
  expect(events).toEqual(["sending 1", "delivered 2", "sending 2", "delivered 3"]);
});

test("a chunk left in flight: found on the platform → not sent again; cannot tell → sent again", async () => {
  for (const [found, expected] of [
    [true, ["c"]],
    [false, ["b", "c"]],
    [undefined, ["b", "c"]],
  ] as const) {
    const uncertain = { index: 1, since: Date.now() - 5_000, seen: false, recheck: async () => false };
    const { opts } = recorder({ skip: 1, uncertain });
    const sent: string[] = [];
    const looked: number[] = [];
    await sendChunks(
      ["a", "b", "c"],
      opts,
      async (chunk) => void sent.push(chunk),
      async (index) => {
        looked.push(index);
        return found;
      },
    );
    expect(looked).toEqual([1]);
    expect(sent).toEqual([...expected]);
  }
});

test("a chunk the platform confirmed (status webhook in the ledger) is not looked up or sent", async () => {
  const uncertain = { index: 0, since: Date.now(), seen: true, recheck: async () => true };
  const { events, opts } = recorder({ uncertain });
  const sent: string[] = [];
  await sendChunks(
    ["a"],
    opts,
    async (chunk) => void sent.push(chunk),
    async () => false,
  );
  expect(sent).toEqual([]);
  expect(events).toEqual(["delivered 1"]);
});

test("a send the platform refused leaves nothing in flight; one that timed out stays in flight", async () => {
  const refused = new PlatformError("test", "send", { status: 502, reason: "Bad Gateway", retryable: true });
  const timedOut = new PlatformError("test", "send", { reason: "timed out", retryable: true });
  for (const [error, expected] of [
    [refused, ["sending 0", "delivered 0"]],
    [new OutOfTimeError(), ["sending 0", "delivered 0"]],
    [timedOut, ["sending 0"]],
  ] as const) {
    const { events, opts } = recorder();
    const thrown = await sendChunks(["a"], opts, async () => {
      throw error;
    }).catch((e: unknown) => e);
    expect(thrown).toBe(error);
    expect(events).toEqual([...expected]);
  }
});
