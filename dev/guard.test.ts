import { describe, expect, test } from "bun:test";
import { devToken, refusal, TOKEN_HEADER } from "./guard.ts";

const TOKEN = "a-token-of-the-run-0123456789";
const ctx = { peer: "127.0.0.1", port: 8787, token: TOKEN };
const request = (path: string, init: RequestInit & { host?: string } = {}) => {
  const headers = new Headers(init.headers);
  headers.set("host", init.host ?? "localhost:8787");
  return new Request(`http://localhost:8787${path}`, { ...init, headers });
};
const api = { [TOKEN_HEADER]: TOKEN, "content-type": "application/json" };

describe("refusal", () => {
  test("the page, the ingress routes and the API with the token pass", () => {
    expect(refusal(request("/"), ctx)).toBeUndefined();
    expect(refusal(request("/telegram", { method: "POST", body: "{}" }), ctx)).toBeUndefined();
    const own = { ...api, origin: "http://localhost:8787" };
    expect(refusal(request("/_dev/send", { method: "POST", headers: own, body: "{}" }), ctx)).toBeUndefined();
    expect(refusal(request("/_dev/state", { headers: { [TOKEN_HEADER]: TOKEN } }), ctx)).toBeUndefined();
    expect(refusal(request("/", { host: "127.0.0.1:8787" }), ctx)).toBeUndefined();
  });

  test("a peer that is not loopback, a foreign Host or a foreign Origin: 403 on every path", async () => {
    for (const path of ["/", "/telegram", "/_dev/state"]) {
      expect(refusal(request(path, { headers: api }), { ...ctx, peer: "192.0.2.7" })?.status).toBe(403);
      expect(refusal(request(path, { headers: api, host: "evil.example:8787" }), ctx)?.status).toBe(403);
      expect(refusal(request(path, { headers: api, host: "localhost:9999" }), ctx)?.status).toBe(403);
      for (const origin of [
        "https://evil.example",
        "null",
        "http://localhost:9999",
        "https://localhost:8787",
      ]) {
        const refused = refusal(request(path, { headers: { ...api, origin } }), ctx);
        expect(refused?.status).toBe(403);
        expect(await refused?.text()).toContain("other origins");
      }
    }
    expect(refusal(request("/", { headers: api }), { ...ctx, peer: undefined })?.status).toBe(403);
  });

  test("the API: no token or a wrong one 401, a body that is not JSON 415", () => {
    const send = (headers: Record<string, string>) =>
      refusal(
        request("/_dev/send", { method: "POST", headers, body: '{"channel":"telegram","text":"x"}' }),
        ctx,
      )?.status;
    expect(send({ "content-type": "application/json" })).toBe(401);
    expect(send({ ...api, [TOKEN_HEADER]: `${TOKEN}x` })).toBe(401);
    expect(send({ ...api, [TOKEN_HEADER]: "" })).toBe(401);
    expect(send({ [TOKEN_HEADER]: TOKEN, "content-type": "text/plain" })).toBe(415);
    expect(send({ [TOKEN_HEADER]: TOKEN, "content-type": "application/x-www-form-urlencoded" })).toBe(415);
    expect(send({ [TOKEN_HEADER]: TOKEN, "content-type": "application/jsonp" })).toBe(415);
    expect(send({ [TOKEN_HEADER]: TOKEN })).toBe(415);
    expect(send({ ...api, "content-type": "application/json; charset=utf-8" })).toBeUndefined();
    expect(refusal(request("/_dev/events"), ctx)?.status).toBe(401);
  });
});

describe("devToken", () => {
  test("random per run unless DEV_TOKEN sets it; a bad DEV_TOKEN is refused", () => {
    expect(devToken(undefined)).not.toBe(devToken(undefined));
    expect(devToken(undefined)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(devToken("")).toHaveLength(32);
    expect(devToken("my-local-tool-token")).toBe("my-local-tool-token");
    for (const bad of ["short", "has spaces in the token", "x".repeat(257), "ünïcode-token-value"]) {
      expect(() => devToken(bad)).toThrow("DEV_TOKEN");
    }
  });
});
