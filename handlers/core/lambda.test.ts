import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { Hono } from "hono";
import { httpApiEvent } from "../../emulators/api-gateway.ts";
import { lambdaContext } from "../../emulators/lambda.ts";
import { setEnv, withEnv } from "../../test/harness/env.ts";
import { isForgivingBase64, lambdaHandler, requestOf, resultOf } from "./lambda.ts";
import { LightResponse } from "./web.ts";

const app = new Hono();
app.post("/echo", async (c) => c.text(await c.req.text()));
const handler = lambdaHandler(app);

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "error" });
});
afterAll(() => restore());

describe("isForgivingBase64", () => {
  test("accepts exactly what atob accepts", () => {
    for (const text of ["", "aGk=", "aGk", "aGk=\n", " aGk= ", "a===", "a", "{}", "aG=k", "aGk==", "++//"]) {
      let decodes = true;
      try {
        atob(text);
      } catch {
        decodes = false;
      }
      expect({ text, ok: isForgivingBase64(text) }).toEqual({ text, ok: decodes });
    }
  });
});

describe("lambdaHandler", () => {
  test("passes good events to the app", async () => {
    const plain = await handler(httpApiEvent({ method: "POST", path: "/echo", body: "hi ü" }));
    const encoded = await handler(
      httpApiEvent({ method: "POST", path: "/echo", body: "hi ü", isBase64Encoded: true }),
    );
    expect([plain.statusCode, plain.body, encoded.statusCode, encoded.body]).toEqual([
      200,
      "hi ü",
      200,
      "hi ü",
    ]);
  });

  test("a body flagged base64 that is not → 400, not hono's 500", async () => {
    const event = httpApiEvent({ method: "POST", path: "/echo", body: '{"a":1}' });
    event.isBase64Encoded = true;
    expect(await handler(event)).toMatchObject({ statusCode: 400, body: "body is not base64" });
  });

  test("its log lines carry the invocation's request id, and say warn (not error) for the sender's fault", async () => {
    const warn = spyOn(console, "warn").mockImplementation(() => {});
    const error = spyOn(console, "error").mockImplementation(() => {});
    const restoreLevel = setEnv({ LOG_LEVEL: "info" });
    try {
      const event = httpApiEvent({ method: "POST", path: "/echo", body: "x" });
      event.isBase64Encoded = true;
      event.body = "{";
      const context = lambdaContext();
      await handler(event, context);
      expect(error).not.toHaveBeenCalled();
      expect(JSON.parse(String(warn.mock.calls[0]?.[0]))).toMatchObject({
        level: "warn",
        event: "request.malformed",
        requestId: context.awsRequestId,
      });
    } finally {
      restoreLevel();
      warn.mockRestore();
      error.mockRestore();
    }
  });

  test("header names and values outside RFC 9110 → 400; Latin-1 and tabs are fine", async () => {
    const refused: Record<string, string>[] = [
      { "x-a": "a\u0000b" },
      { "x-a": "😀" },
      { "x-a": "\ud800" },
      { "bad name": "v" },
    ];
    for (const headers of refused) {
      const response = await handler(httpApiEvent({ method: "POST", path: "/echo", headers, body: "x" }));
      expect(response.statusCode).toBe(400);
    }
    const latin1 = await handler(
      httpApiEvent({ method: "POST", path: "/echo", headers: { "x-a": "ü\tß" }, body: "x" }),
    );
    expect(latin1.statusCode).toBe(200);
  });
});

describe("the event as a request, the response as a result", () => {
  test("url, method, headers, cookies and the body's true length; no transfer coding", async () => {
    const event = httpApiEvent({
      method: "POST",
      path: "/telegram?a=1",
      headers: {
        "X-Telegram-Bot-Api-Secret-Token": "s",
        "content-length": "1",
        "transfer-encoding": "chunked",
      },
      body: "hé",
      domainName: "h.example",
    });
    event.cookies = ["a=1", "b=2"];
    const request = requestOf(event);
    expect([
      request.url,
      request.method,
      request.headers.get("x-telegram-bot-api-secret-token"),
      request.headers.get("cookie"),
      request.headers.get("content-length"),
      request.headers.has("transfer-encoding"),
      await request.text(),
    ]).toEqual(["https://h.example/telegram?a=1", "POST", "s", "a=1; b=2", "3", false, "hé"]);
  });

  test("a base64 body is decoded; a GET has no body", async () => {
    const encoded = requestOf(httpApiEvent({ method: "POST", path: "/x", body: new Uint8Array([0, 255]) }));
    expect(new Uint8Array(await encoded.arrayBuffer())).toEqual(new Uint8Array([0, 255]));
    const get = requestOf({
      ...httpApiEvent({ method: "GET", path: "/whatsapp?hub.mode=subscribe" }),
      body: "x",
    });
    expect([get.body, get.headers.has("content-length"), get.url.endsWith("?hub.mode=subscribe")]).toEqual([
      null,
      false,
      true,
    ]);
  });

  test("the result carries status, headers, text and cookies apart", async () => {
    const response = new LightResponse('{"type":5}', {
      status: 202,
      headers: [
        ["content-type", "application/json"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
      ],
    });
    expect(await resultOf(response)).toEqual({
      statusCode: 202,
      headers: { "content-type": "application/json" },
      body: '{"type":5}',
      isBase64Encoded: false,
      cookies: ["a=1", "b=2"],
    });
    // Run from source (tests, the dev stack), Hono makes the runtime's own responses.
    expect(await resultOf(new Response("ok", { headers: { "content-type": "text/plain" } }))).toEqual({
      statusCode: 200,
      headers: { "content-type": "text/plain" },
      body: "ok",
      isBase64Encoded: false,
    });
  });
});

describe("the init phase", () => {
  test("outside Lambda's init (tests, the dev stack) nothing is started at creation", async () => {
    let calls = 0;
    await withEnv({ AWS_LAMBDA_INITIALIZATION_TYPE: undefined }, () => {
      lambdaHandler(app, { prefetch: async () => calls++ });
    });
    expect(calls).toBe(0);
  });

  test("in Lambda's init the prefetch starts at creation; its failure is left to the first request", async () => {
    let calls = 0;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const initialized = await withEnv({ AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand" }, () =>
        lambdaHandler(app, {
          prefetch: async () => {
            calls++;
            throw new Error("Secrets Manager unreachable");
          },
        }),
      );
      expect(calls).toBe(1);
      await Bun.sleep(10);
      expect(unhandled).toEqual([]);
      const response = await initialized(httpApiEvent({ method: "POST", path: "/echo", body: "ok" }));
      expect([response.statusCode, response.body]).toEqual([200, "ok"]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
