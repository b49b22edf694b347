import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type LoopbackServer, listen, readBody, sendJson } from "../../emulators/http.ts";
import { GraphApiError, graphApi, graphError } from "./api.ts";

const graph = (code: number, extra: object = {}) => ({
  error: { message: `message ${code}`, type: "OAuthException", code, fbtrace_id: "AbC123", ...extra },
});

describe("graphError: what a retry can do", () => {
  test("outside the 24-hour window, undeliverable, unsupported, invalid parameter: not retried", () => {
    for (const code of [131047, 131026, 131051, 100, 131009, 131030, 368]) {
      expect(graphError("send", 400, graph(code)).retryable, String(code)).toBe(false);
    }
  });

  test("rate limits and throttling, Meta's own failures, HTTP 429 and 5xx: retried", () => {
    for (const code of [130429, 131048, 131056, 80007, 4, 17, 32, 613, 1, 2, 131000, 131016]) {
      expect(graphError("send", 400, graph(code)).retryable, String(code)).toBe(true);
    }
    expect(graphError("send", 429, graph(100)).retryable).toBe(true);
    expect(graphError("send", 503, graph(100)).retryable).toBe(true);
    expect(graphError("send", 502, "<html>Bad Gateway</html>").retryable).toBe(true);
  });

  test("credentials and setup (expired token, no permission): retried, so the message reaches the DLQ", () => {
    for (const code of [190, 10, 200, 299, 131005, 133010]) {
      expect(graphError("send", 400, graph(code)).retryable, String(code)).toBe(true);
    }
  });

  test("the error carries code, subcode, trace id and a reason with Meta's details, never a token", () => {
    const error = graphError(
      "send",
      400,
      graph(131047, {
        message: "Re-engagement message",
        error_subcode: 2494010,
        error_data: { messaging_product: "whatsapp", details: "More than 24 hours have passed" },
      }),
    );
    expect(error).toBeInstanceOf(GraphApiError);
    expect(error).toMatchObject({
      platform: "whatsapp",
      method: "send",
      status: 400,
      code: 131047,
      subcode: 2494010,
    });
    expect(error.fbtraceId).toBe("AbC123");
    expect(error.reason).toBe(
      "(#131047) Re-engagement message: More than 24 hours have passed [subcode 2494010, fbtrace_id AbC123]",
    );
  });

  test("a pair rate limit waits ~6 s in place; a Retry-After header is honoured", () => {
    expect(graphError("send", 400, graph(131056)).retryAfterSeconds).toBe(6);
    expect(graphError("send", 429, graph(4), "3").retryAfterSeconds).toBe(3);
    expect(graphError("send", 400, graph(130429)).retryAfterSeconds).toBeUndefined();
  });
});

describe("graphApi", () => {
  let server: LoopbackServer;
  const seen: {
    method: string;
    url: string;
    auth: string | undefined;
    type: string | undefined;
    body: string;
  }[] = [];

  beforeAll(async () => {
    server = await listen(async (req, res) => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        auth: req.headers.authorization,
        type: req.headers["content-type"],
        body: (await readBody(req)).toString(),
      });
      if (req.url?.includes("fail")) sendJson(res, 400, graph(131047));
      else if (req.url?.includes("html")) {
        res.writeHead(502, { "content-type": "text/html" });
        res.end("<html>bad gateway</html>");
      } else sendJson(res, 200, { success: true });
    });
  });
  afterAll(() => server.close());

  test("Bearer token in a header, JSON or form bodies, query parameters; the token is never in the URL", async () => {
    const call = graphApi("EAAtoken0123456789", `${server.url}/v23.0/`);
    expect(await call("123/messages", { json: { a: 1 } })).toEqual({ success: true });
    await call("app/subscriptions", { form: { object: "whatsapp_business_account", fields: "messages" } });
    await call("app/subscriptions", { method: "DELETE", query: { object: "whatsapp_business_account" } });
    expect(seen).toEqual([
      {
        method: "POST",
        url: "/v23.0/123/messages",
        auth: "Bearer EAAtoken0123456789",
        type: "application/json",
        body: '{"a":1}',
      },
      {
        method: "POST",
        url: "/v23.0/app/subscriptions",
        auth: "Bearer EAAtoken0123456789",
        type: "application/x-www-form-urlencoded",
        body: "object=whatsapp_business_account&fields=messages",
      },
      {
        method: "DELETE",
        url: "/v23.0/app/subscriptions?object=whatsapp_business_account",
        auth: "Bearer EAAtoken0123456789",
        type: undefined,
        body: "",
      },
    ]);
  });

  test("errors: Graph's, a proxy's HTML page, an unreachable server; none mentions the token", async () => {
    const call = graphApi("EAAtoken0123456789", `${server.url}/v23.0`);
    const failures = await Promise.all(
      [
        call("fail/messages", { name: "send", json: {} }),
        call("html/messages", { json: {} }),
        graphApi("EAAtoken0123456789", "http://127.0.0.1:9/v23.0")("1/messages", { json: {} }),
      ].map((p) =>
        p.then(
          () => undefined,
          (e: unknown) => e as GraphApiError,
        ),
      ),
    );
    expect(failures.map((e) => [e?.method, e?.status, e?.retryable, e?.code])).toEqual([
      ["send", 400, false, 131047],
      ["messages", 502, true, undefined],
      ["messages", undefined, true, undefined],
    ]);
    for (const e of failures) expect(`${e?.message} ${e?.reason}`).not.toContain("EAAtoken");
  });
});
