import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  DEFAULT_DISCORD_TOKEN,
  FAKE_BOT,
  type FakeDiscordGateway,
  startDiscordGateway,
} from "./discord-gateway.ts";

type Frame = { op: number; t?: string; s?: number; d: unknown };

/** A raw gateway client: collects frames, sends JSON. Waits are event-driven (the test timeout bounds them). */
async function client(url: string) {
  const ws = new WebSocket(`${url}?v=10&encoding=json`);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let code: number | undefined;
  const closed = new Promise<number>((resolve) => {
    ws.onclose = (e) => {
      code = e.code;
      resolve(e.code);
      for (const waiter of [...waiters]) waiter();
    };
  });
  ws.onmessage = (e) => {
    frames.push(JSON.parse(String(e.data)));
    for (const waiter of [...waiters]) waiter();
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  /** The first frame that matches: at once, or when it arrives; rejects if the socket closes first. */
  const next = (predicate: (f: Frame) => boolean) =>
    new Promise<Frame>((resolve, reject) => {
      const check = () => {
        const found = frames.find(predicate);
        if (found === undefined && code === undefined) return;
        waiters.delete(check);
        if (found) resolve(found);
        else reject(new Error(`closed (${code}) with no such frame in ${JSON.stringify(frames)}`));
      };
      waiters.add(check);
      check();
    });
  return {
    frames,
    next,
    send: (frame: object) => ws.send(JSON.stringify(frame)),
    closed: () => closed,
    close: () => ws.close(1000),
  };
}

let gateway: FakeDiscordGateway;
beforeEach(async () => {
  gateway = await startDiscordGateway({ heartbeatIntervalMs: 1234 });
});
afterEach(() => gateway.close());

describe("fake Discord gateway", () => {
  test("GET /gateway/bot gives the fake's ws:// URL, with the bot token only", async () => {
    const ok = await fetch(`${gateway.apiUrl}/gateway/bot`, {
      headers: { authorization: `Bot ${DEFAULT_DISCORD_TOKEN}` },
    });
    expect(await ok.json()).toMatchObject({ url: gateway.gatewayUrl, shards: 1 });
    const refused = await fetch(`${gateway.apiUrl}/gateway/bot`, { headers: { authorization: "Bot nope" } });
    expect(refused.status).toBe(401);
  });

  test("HELLO, IDENTIFY → READY (sequence 1), HEARTBEAT → ACK, dispatches numbered", async () => {
    const c = await client(gateway.gatewayUrl);
    expect((await c.next((f) => f.op === 10)).d).toEqual({ heartbeat_interval: 1234 });
    c.send({ op: 2, d: { token: DEFAULT_DISCORD_TOKEN, intents: 37376, properties: {} } });
    const ready = await c.next((f) => f.t === "READY");
    expect(ready.s).toBe(1);
    expect(ready.d).toMatchObject({ user: { id: FAKE_BOT.id }, resume_gateway_url: gateway.gatewayUrl });
    c.send({ op: 1, d: 1 });
    await c.next((f) => f.op === 11);
    const message = gateway.messageCreate({ content: "x" });
    const dispatched = await c.next((f) => f.t === "MESSAGE_CREATE");
    expect(dispatched).toMatchObject({ op: 0, s: 2, d: { id: message.id, content: "x" } });
    c.close();
  });

  test("wrong token → close 4004; Message Content not enabled → close 4014", async () => {
    const a = await client(gateway.gatewayUrl);
    a.send({ op: 2, d: { token: "nope", intents: 0 } });
    expect(await a.closed()).toBe(4004);
    const strict = await startDiscordGateway({ messageContentIntent: false });
    try {
      const b = await client(strict.gatewayUrl);
      b.send({ op: 2, d: { token: DEFAULT_DISCORD_TOKEN, intents: 1 << 15 } });
      expect(await b.closed()).toBe(4014);
    } finally {
      await strict.close();
    }
  });

  test("RESUME replays what was missed, then RESUMED; an unknown session gets INVALID_SESSION", async () => {
    const a = await client(gateway.gatewayUrl);
    a.send({ op: 2, d: { token: DEFAULT_DISCORD_TOKEN, intents: 0 } });
    const ready = await a.next((f) => f.t === "READY");
    a.close();
    await a.closed();
    gateway.messageCreate({ content: "missed" });
    const b = await client(gateway.gatewayUrl);
    b.send({
      op: 6,
      d: { token: DEFAULT_DISCORD_TOKEN, session_id: (ready.d as { session_id: string }).session_id, seq: 1 },
    });
    const replayed = await b.next((f) => f.t === "MESSAGE_CREATE");
    expect((replayed.d as { content: string }).content).toBe("missed");
    expect((await b.next((f) => f.t === "RESUMED")).s).toBe(3);
    const c = await client(gateway.gatewayUrl);
    c.send({ op: 6, d: { token: DEFAULT_DISCORD_TOKEN, session_id: "unknown", seq: 1 } });
    expect((await c.next((f) => f.op === 9)).d).toBe(false);
    b.close();
    c.close();
  });
});
