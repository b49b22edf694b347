import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type FakeWeb, startWeb, TINY_PNG } from "../../../emulators/web.ts";
import { MediaError } from "../errors.ts";
import { fetchPublic } from "./fetch-out.ts";

let web: FakeWeb;
beforeAll(async () => {
  web = await startWeb();
});
afterAll(() => web.close());
afterEach(() => {
  delete process.env.UNSAFE_FETCH_ALLOW_LOOPBACK_FOR_TESTS;
});

const refusal = (url: string, maxBytes = 1024) =>
  fetchPublic(url, maxBytes).then(
    () => undefined,
    (error: unknown) => error,
  );

describe("fetchPublic, as deployed (no test switch)", () => {
  test("internal addresses are refused at connect time, never retried: loopback, metadata, private, a name resolving to loopback", async () => {
    const port = web.port;
    for (const url of [
      `https://127.0.0.1:${port}/cat.png`,
      `https://localhost:${port}/cat.png`,
      "https://169.254.169.254/latest/meta-data/",
      "https://[fd00:ec2::254]/latest/meta-data/",
      "https://10.0.0.1/x",
      "https://172.16.5.4/x",
      "https://192.168.1.1/x",
      "https://[::1]/x",
      "https://[fe80::1]/x",
      "https://[fc00::1]/x",
    ]) {
      const error = await refusal(url);
      expect(error, url).toBeInstanceOf(MediaError);
      expect(error, url).toMatchObject({ reason: "not available", retryable: false });
    }
    expect(web.requests).toEqual([]);
  });

  test("only HTTPS, no credentials in the URL", async () => {
    web.set("/cat.png", { bytes: TINY_PNG, contentType: "image/png" });
    for (const url of [
      `${web.url}/cat.png`,
      "ftp://example.com/x",
      "https://user:pw@example.com/x",
      "not a url",
    ])
      expect(await refusal(url), url).toMatchObject({ reason: "not available", retryable: false });
    expect(web.requests).toEqual([]);
  });
});

describe("fetchPublic with the test-only loopback switch", () => {
  test("a file, its type; redirects followed and checked again (to a private address: refused)", async () => {
    process.env.UNSAFE_FETCH_ALLOW_LOOPBACK_FOR_TESTS = "1";
    const url = web.set("/cat.png", { bytes: TINY_PNG, contentType: "image/png; charset=binary" });
    const fetched = await fetchPublic(url, 1024);
    expect(fetched.mime).toBe("image/png");
    expect([...fetched.bytes]).toEqual([...TINY_PNG]);
    const hop = web.set("/hop", { redirect: "/cat.png" });
    expect((await fetchPublic(hop, 1024)).bytes.byteLength).toBe(TINY_PNG.byteLength);
    const inside = web.set("/inside", { redirect: "http://169.254.169.254/latest/meta-data/" });
    expect(await refusal(inside)).toMatchObject({ reason: "not available", retryable: false });
    const loop = web.set("/loop", { redirect: "/loop" });
    expect(String(await refusal(loop))).toContain("too many redirects");
  });

  test("too large (stated or counted) is refused; 404 not available; 5xx retryable", async () => {
    process.env.UNSAFE_FETCH_ALLOW_LOOPBACK_FOR_TESTS = "1";
    const url = web.set("/big.bin", { bytes: new Uint8Array(4096), contentType: "application/octet-stream" });
    expect(await refusal(url, 1000)).toMatchObject({ reason: "too large", retryable: false });
    expect(await refusal(`${web.url}/missing`)).toMatchObject({ reason: "not available", retryable: false });
    const down = web.set("/down", { status: 503 });
    expect(await refusal(down)).toMatchObject({ reason: "download failed", retryable: true });
  });
});
