import { describe, expect, test } from "bun:test";
import { LightHeaders, LightRequest, LightResponse } from "./web.ts";

/** What a Headers-like object shows: every entry, in order, and the lookups a caller makes. */
function view(headers: LightHeaders | Headers) {
  return {
    entries: [...headers],
    contentType: headers.get("Content-Type"),
    cookie: headers.get("set-cookie"),
    cookies: headers.getSetCookie(),
    hasVary: headers.has("vary"),
  };
}

describe("LightHeaders does what Headers does", () => {
  const cases: [string, (h: LightHeaders | Headers) => void][] = [
    ["set and get, any case", (h) => h.set("Content-Type", "text/plain")],
    [
      "append joins with a comma",
      (h) => {
        h.append("vary", "a");
        h.append("Vary", "b");
      },
    ],
    [
      "set replaces",
      (h) => {
        h.append("vary", "a");
        h.set("VARY", "b");
      },
    ],
    [
      "delete",
      (h) => {
        h.set("vary", "a");
        h.delete("Vary");
      },
    ],
    ["outer whitespace dropped", (h) => h.set("x-a", " \t padded \t ")],
    [
      "set-cookie kept apart",
      (h) => {
        h.append("set-cookie", "a=1");
        h.append("Set-Cookie", "b=2");
      },
    ],
  ];

  for (const [name, act] of cases) {
    test(name, () => {
      const light = new LightHeaders();
      const real = new Headers();
      act(light);
      act(real);
      expect(view(light)).toEqual(view(real));
    });
  }

  test("entries sorted by name, each set-cookie on its own, as Node's Headers iterate (Bun's differ)", () => {
    const headers = new LightHeaders();
    headers.set("z", "1");
    headers.set("a", "2");
    headers.append("set-cookie", "c=3");
    headers.append("set-cookie", "d=4");
    expect([...headers]).toEqual([
      ["a", "2"],
      ["set-cookie", "c=3"],
      ["set-cookie", "d=4"],
      ["z", "1"],
    ]);
  });

  test("made from a record, pairs, or other headers", () => {
    const record = { "Content-Type": "application/json", "X-A": "1" };
    const pairs: [string, string][] = [
      ["x-b", "1"],
      ["x-b", "2"],
    ];
    expect(view(new LightHeaders(record))).toEqual(view(new Headers(record)));
    expect(view(new LightHeaders(pairs))).toEqual(view(new Headers(pairs)));
    const cookies = new LightHeaders([
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
    ]);
    expect(new LightHeaders(cookies).getSetCookie()).toEqual(["a=1", "b=2"]);
  });

  test("forEach hands value, then name", () => {
    const seen: string[] = [];
    new LightHeaders({ a: "1", b: "2" }).forEach((value, name) => {
      seen.push(`${name}=${value}`);
    });
    expect(seen).toEqual(["a=1", "b=2"]);
  });
});

describe("LightResponse", () => {
  test("a string body is text/plain unless said otherwise, as Node's Response", async () => {
    const light = new LightResponse("hi");
    expect([light.status, light.ok, light.headers.get("content-type"), await light.text()]).toEqual([
      200,
      true,
      "text/plain;charset=UTF-8",
      "hi",
    ]);
    const json = new LightResponse("{}", { status: 201, headers: { "content-type": "application/json" } });
    expect([json.status, json.headers.get("content-type"), await json.json()]).toEqual([
      201,
      "application/json",
      {},
    ]);
  });

  test("copies another response (Hono does when a handler's response meets set headers)", async () => {
    const first = new LightResponse("no", { status: 413, headers: { "x-a": "1" } });
    const copy = new LightResponse(first.body, first);
    expect([copy.status, copy.ok, copy.headers.get("x-a"), await copy.text()]).toEqual([
      413,
      false,
      "1",
      "no",
    ]);
  });

  test("a body is read once, as Response's", async () => {
    const light = new LightResponse("x");
    await light.text();
    expect(light.bodyUsed).toBe(true);
    expect(light.text()).rejects.toThrow(TypeError);
    const bytes = new LightResponse(new TextEncoder().encode("ü"));
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(new TextEncoder().encode("ü"));
    expect(new LightResponse(null).body).toBeNull();
  });
});

describe("LightRequest", () => {
  test("url, method, headers and body, read as bytes, text or JSON", async () => {
    const request = new LightRequest("https://h.example/telegram?x=1", {
      method: "post",
      headers: { "Content-Type": "application/json" },
      body: '{"a":"ü"}',
    });
    expect([request.url, request.method, request.headers.get("content-type")]).toEqual([
      "https://h.example/telegram?x=1",
      "POST",
      "application/json",
    ]);
    const bytes = new Uint8Array(await request.arrayBuffer());
    expect(new TextDecoder().decode(bytes)).toBe('{"a":"ü"}');
    const again = new LightRequest(request.url, { method: "POST", body: bytes });
    expect(await again.json()).toEqual({ a: "ü" });
  });

  test("made from another request, with a new body", async () => {
    const first = new LightRequest("https://h.example/", {
      method: "POST",
      headers: { "x-a": "1" },
      body: "a",
    });
    const second = new LightRequest(first, { body: "b" });
    expect([second.url, second.method, second.headers.get("x-a"), await second.text()]).toEqual([
      "https://h.example/",
      "POST",
      "1",
      "b",
    ]);
  });

  test("a request without a body has none", () => {
    expect(new LightRequest("https://h.example/").body).toBeNull();
  });
});
