import { expect, test } from "bun:test";
import { Inflight } from "./inflight.ts";

test("drain waits for what is tracked, also what is added meanwhile, and forgets what settled", async () => {
  const inflight = new Inflight();
  const order: string[] = [];
  let finishFirst = () => {};
  inflight.track(new Promise<void>((resolve) => (finishFirst = resolve))).then(() => {
    order.push("first");
    inflight.track(Promise.reject(new Error("later")).catch(() => void order.push("later")));
  });
  expect(inflight.size).toBe(1);
  const drained = inflight.drain(5_000);
  finishFirst();
  expect(await drained).toBe(true);
  expect(order).toEqual(["first", "later"]);
  expect(inflight.size).toBe(0);
});

test("drain gives up after its timeout with false, the work still tracked", async () => {
  const inflight = new Inflight();
  inflight.track(new Promise(() => {}));
  expect(await inflight.drain(10)).toBe(false);
  expect(inflight.size).toBe(1);
});

test("a rejected promise is forgotten like a resolved one, and tracking returns it as it is", async () => {
  const inflight = new Inflight();
  const failing = Promise.reject(new Error("no"));
  expect(inflight.track(failing)).toBe(failing);
  await failing.catch(() => {});
  expect(await inflight.drain(1_000)).toBe(true);
  expect(inflight.size).toBe(0);
});
