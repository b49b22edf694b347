import { describe, expect, test } from "bun:test";
import { httpApiEvent, requestToEvent, resultToResponse } from "./api-gateway.ts";

describe("httpApiEvent", () => {
  test("builds a payload 2.0 event like API Gateway HTTP API", () => {
    const time = new Date(Date.UTC(2026, 10, 24, 9, 5, 7));
    const event = httpApiEvent({
      method: "post",
      path: "/telegram?x=1",
      query: { x: "2", y: "z" },
      headers: {
        "X-Telegram-Bot-Api-Secret-Token": "s3cret",
        Accept: ["text/plain", "application/json"],
        Cookie: "a=1; b=2",
      },
      body: { update_id: 1 },
      time,
    });
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "POST /telegram",
      rawPath: "/telegram",
      rawQueryString: "x=1&x=2&y=z",
      cookies: ["a=1", "b=2"],
      queryStringParameters: { x: "1,2", y: "z" },
      body: '{"update_id":1}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: "POST", path: "/telegram", protocol: "HTTP/1.1", sourceIp: "203.0.113.7" },
        routeKey: "POST /telegram",
        stage: "$default",
        time: "24/Nov/2026:09:05:07 +0000",
        timeEpoch: time.getTime(),
      },
    });
    expect(event.headers).toMatchObject({
      "x-telegram-bot-api-secret-token": "s3cret",
      accept: "text/plain,application/json",
      "content-type": "application/json",
      "content-length": "15",
      "x-forwarded-proto": "https",
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(Object.keys(event.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(event.requestContext.http.userAgent).toBe(event.headers["user-agent"] ?? "");
  });

  test("base64 bodies: requested explicitly or for bytes; no body, no query → fields omitted", () => {
    const raw = '{"text":"héllo"}';
    const encoded = httpApiEvent({ method: "POST", path: "/slack/events", body: raw, isBase64Encoded: true });
    expect(encoded.isBase64Encoded).toBe(true);
    expect(Buffer.from(encoded.body ?? "", "base64").toString("utf8")).toBe(raw);
    expect(encoded.headers["content-length"]).toBe(String(Buffer.byteLength(raw)));
    const bytes = httpApiEvent({ method: "POST", path: "/x", body: new Uint8Array([0, 255]) });
    expect(bytes).toMatchObject({ isBase64Encoded: true, body: "AP8=" });
    const get = httpApiEvent({ path: "/whatsapp" });
    expect(get.body).toBeUndefined();
    expect(get.queryStringParameters).toBeUndefined();
    expect(get.rawQueryString).toBe("");
    expect(httpApiEvent({ path: "/", routeKey: "$default" }).routeKey).toBe("$default");
  });
});

describe("requestToEvent / resultToResponse (the dev stack's API Gateway)", () => {
  test("a Request becomes the event API Gateway sends, a result becomes its Response", async () => {
    const event = await requestToEvent(
      new Request("http://127.0.0.1:8787/slack/events?retry=1", {
        method: "POST",
        headers: { "content-type": "application/json", "x-slack-signature": "v0=abc" },
        body: '{"type":"event_callback"}',
      }),
    );
    expect(event).toMatchObject({
      rawPath: "/slack/events",
      rawQueryString: "retry=1",
      body: '{"type":"event_callback"}',
      isBase64Encoded: false,
      headers: { "content-type": "application/json", "x-slack-signature": "v0=abc" },
      requestContext: { domainName: "127.0.0.1:8787", http: { method: "POST", path: "/slack/events" } },
    });
    expect((await requestToEvent(new Request("http://127.0.0.1:8787/whatsapp"))).body).toBeUndefined();

    const response = resultToResponse({
      statusCode: 200,
      headers: { "content-type": "text/plain" },
      body: Buffer.from("héllo").toString("base64"),
      isBase64Encoded: true,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(await response.text()).toBe("héllo");
    const empty = resultToResponse({ statusCode: 204, body: "ignored" });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });
});
