import { afterAll, describe, expect, test } from "bun:test";
import { healthCheck, healthUrl } from "./healthcheck.ts";

let answer: { status: number; body: string } = { status: 200, body: "" };
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => new Response(answer.body, { status: answer.status }),
});
afterAll(() => server.stop(true));
const url = `http://127.0.0.1:${server.port}/health`;
const health = (status: number, connections: Record<string, string>) => {
  const entries = Object.entries(connections).map(([name, state]) => [name, { state, since: 1 }]);
  answer = { status, body: JSON.stringify({ status: "x", connections: Object.fromEntries(entries) }) };
};

describe("healthCheck", () => {
  test("0 when ready or waiting for a person; 1 when a restart may help", async () => {
    health(200, { discord: "ready", whatsapp: "ready" });
    expect(await healthCheck(url)).toBe(0);
    health(503, { discord: "ready", whatsapp: "pairing" });
    expect(await healthCheck(url)).toBe(0);
    health(503, { whatsapp: "unlinked" });
    expect(await healthCheck(url)).toBe(0);
    health(503, { discord: "ready", whatsapp: "failed" });
    expect(await healthCheck(url)).toBe(1);
    health(503, { discord: "reconnecting" });
    expect(await healthCheck(url)).toBe(1);
  });

  test("1 for what is not the relay's answer, or no answer at all", async () => {
    for (const body of ["not json", "{}", '{"connections":{"x":{}}}', '{"connections":[]}', "null"]) {
      answer = { status: 503, body };
      expect(await healthCheck(url)).toBe(1);
    }
    expect(await healthCheck("http://127.0.0.1:9/health")).toBe(1); // nothing listens on port 9
  });

  test("the URL: loopback on PORT, unless HEALTH_HOST names one address", () => {
    expect(healthUrl({})).toBe("http://127.0.0.1:8080/health");
    expect(healthUrl({ PORT: "9000", HEALTH_HOST: "0.0.0.0" })).toBe("http://127.0.0.1:9000/health");
    expect(healthUrl({ HEALTH_HOST: "::" })).toBe("http://127.0.0.1:8080/health");
    expect(healthUrl({ HEALTH_HOST: "10.0.0.5" })).toBe("http://10.0.0.5:8080/health");
    expect(healthUrl({ HEALTH_HOST: "::1" })).toBe("http://[::1]:8080/health");
  });
});
