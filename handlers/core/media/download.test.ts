import { afterAll, describe, expect, test } from "bun:test";
import { MediaError } from "../errors.ts";
import { download, trusted } from "./download.ts";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request): Response {
    const path = new URL(request.url).pathname;
    if (path === "/ok")
      return new Response("hello", { headers: { "content-type": "text/plain; charset=utf-8" } });
    if (path === "/auth") return new Response(request.headers.get("authorization") ?? "none");
    if (path === "/login")
      return new Response("<html>sign in</html>", { headers: { "content-type": "text/html" } });
    if (path === "/redirect") return new Response(null, { status: 302, headers: { location: "/ok" } });
    if (path === "/gone") return new Response("no", { status: 404 });
    if (path === "/busy") return new Response("later", { status: 503 });
    if (path === "/big") return new Response("x".repeat(100));
    if (path === "/stream") {
      // No content-length: the cap is found by counting.
      const body = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode("0123456789"));
          controller.close();
        },
      });
      return new Response(body);
    }
    return new Response("?", { status: 500 });
  },
});
afterAll(() => server.stop(true));
const at = (path: string) => ({ url: `${server.url}${path.slice(1)}` });

async function refusal(work: Promise<unknown>): Promise<[string, boolean]> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MediaError)) throw new Error(`expected a MediaError, got ${String(err)}`);
  return [err.reason, err.retryable];
}

describe("download", () => {
  test("the bytes and the served type, with the given headers", async () => {
    const got = await download(at("/ok"), 1024);
    expect(new TextDecoder().decode(got.bytes)).toBe("hello");
    expect(got.mime).toBe("text/plain");
    const auth = await download({ ...at("/auth"), headers: { authorization: "Bearer t" } }, 1024);
    expect(new TextDecoder().decode(auth.bytes)).toBe("Bearer t");
  });

  test("too large: by the stated size (nothing fetched), by content-length, by counting", async () => {
    expect(await refusal(download({ ...at("/ok"), size: 2048 }, 1024))).toEqual(["too large", false]);
    expect(await refusal(download(at("/big"), 99))).toEqual(["too large", false]);
    expect(await refusal(download(at("/stream"), 55))).toEqual(["too large", false]);
    expect((await download(at("/stream"), 100)).bytes.byteLength).toBe(100);
  });

  test("not available: a login page, a redirect, a 4xx; failed for now: a 5xx or no server", async () => {
    expect(await refusal(download(at("/login"), 1024, "image/png"))).toEqual(["not available", false]);
    expect((await download(at("/login"), 1024, "text/html")).mime).toBe("text/html");
    expect(await refusal(download(at("/redirect"), 1024))).toEqual(["not available", false]);
    expect(await refusal(download(at("/gone"), 1024))).toEqual(["not available", false]);
    expect(await refusal(download(at("/busy"), 1024))).toEqual(["download failed", true]);
    expect(await refusal(download({ url: "http://127.0.0.1:1/x" }, 1024))).toEqual(["download failed", true]);
  });
});

describe("trusted", () => {
  test("HTTPS on the platform's hosts (subdomains where the host starts with a dot), or the API's origin", () => {
    expect(trusted("https://files.slack.com/f/a.png", ["files.slack.com"], undefined)).toBe(true);
    expect(trusted("http://files.slack.com/f/a.png", ["files.slack.com"], undefined)).toBe(false);
    expect(trusted("https://evil.example/f", ["files.slack.com"], undefined)).toBe(false);
    expect(trusted("https://files.slack.com.evil.example/f", ["files.slack.com"], undefined)).toBe(false);
    expect(trusted("https://user:pw@files.slack.com/f", ["files.slack.com"], undefined)).toBe(false);
    expect(trusted("https://lookaside.fbsbx.com/x", [".fbsbx.com"], undefined)).toBe(true);
    expect(trusted("https://fbsbx.com.evil.example/x", [".fbsbx.com"], undefined)).toBe(false);
    expect(trusted("http://127.0.0.1:9/files/a", [], "http://127.0.0.1:9/api")).toBe(true);
    expect(trusted("http://127.0.0.1:8/files/a", [], "http://127.0.0.1:9/api")).toBe(false);
    expect(trusted("not a url", ["x"], undefined)).toBe(false);
  });
});
