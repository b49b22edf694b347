import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { setEnv } from "../test/harness/env.ts";
import { Connections } from "./connections.ts";
import { healthHandler } from "./health.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "error" }); // state changes log at info
});
afterAll(() => restore());

const get = (handler: (r: Request) => Response, path = "/health", method = "GET") =>
  handler(new Request(`http://relay${path}`, { method }));

describe("GET /health", () => {
  test("503 until every connection is ready; the body lists each state", async () => {
    const connections = new Connections();
    const handler = healthHandler(connections);
    expect(get(handler).status).toBe(503); // nothing connected yet
    connections.set("discord", "ready");
    connections.set("whatsapp", "pairing", "scan the QR code");
    const pairing = get(handler);
    expect(pairing.status).toBe(503);
    expect(await pairing.json()).toMatchObject({
      status: "unavailable",
      connections: {
        discord: { state: "ready" },
        whatsapp: { state: "pairing", detail: "scan the QR code" },
      },
    });
    connections.set("whatsapp", "ready");
    const ok = get(handler);
    expect(ok.status).toBe(200);
    expect((await ok.json()).status).toBe("ok");
    expect(ok.headers.get("cache-control")).toBe("no-store");
  });

  test("other paths 404, other methods 405", () => {
    const handler = healthHandler(new Connections());
    expect(get(handler, "/").status).toBe(404);
    expect(get(handler, "/health", "POST").status).toBe(405);
    expect(get(handler, "/health", "HEAD").status).toBe(503);
  });

  test("until() resolves on the change it waits for", async () => {
    const connections = new Connections();
    const ready = connections.until((c) => c.get("discord")?.state === "ready");
    connections.set("discord", "connecting");
    connections.set("discord", "ready");
    await ready;
    expect(connections.healthy).toBe(true);
  });
});
