import { describe, expect, test } from "bun:test";
import { isLoopbackAddress, loopbackHosts, loopbackOrigins } from "./loopback.ts";

describe("loopback", () => {
  test("hosts and origins name the port", () => {
    expect(loopbackHosts(8787).has("localhost:8787")).toBe(true);
    expect(loopbackHosts(8787).has("[::1]:8787")).toBe(true);
    for (const foreign of [
      "localhost:8788",
      "localhost",
      "evil.example:8787",
      "127.0.0.1.evil.example:8787",
    ]) {
      expect(loopbackHosts(8787).has(foreign)).toBe(false);
    }
    expect(loopbackOrigins(8787).has("http://127.0.0.1:8787")).toBe(true);
    expect(loopbackOrigins(8787).has("https://127.0.0.1:8787")).toBe(false);
    expect(loopbackOrigins(8787).has("null")).toBe(false);
  });

  test("loopback peers, and nothing else", () => {
    for (const ok of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
      expect(isLoopbackAddress(ok)).toBe(true);
    for (const bad of ["192.0.2.2", "10.0.0.1", "::ffff:192.0.2.2", "fd00::2", "0.0.0.0", "", undefined]) {
      expect(isLoopbackAddress(bad)).toBe(false);
    }
  });
});
