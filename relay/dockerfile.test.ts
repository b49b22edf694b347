/**
 * The relay's Dockerfile: both stages on one base image, the exact Bun release the repository pins (a
 * digest, when there is one, well formed), a frozen install, and the health check the image ships.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { RUNTIME } from "./build.ts";

const dockerfile = await Bun.file(join(import.meta.dir, "Dockerfile")).text();
const pkg = (await Bun.file(join(import.meta.dir, "..", "package.json")).json()) as {
  devDependencies: Record<string, string>;
};

describe("relay/Dockerfile", () => {
  test("the base image is the pinned Bun release, the same in both stages", () => {
    const image = dockerfile.match(/^ARG BUN_IMAGE=(\S+)$/m)?.[1] ?? "";
    expect(image).toMatch(/^oven\/bun:(\d+\.\d+\.\d+)-slim(?:@sha256:[0-9a-f]{64})?$/);
    expect(image.match(/:(\d+\.\d+\.\d+)/)?.[1]).toBe(pkg.devDependencies.bun);
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    const arg = "$" + "{BUN_IMAGE}"; // the Dockerfile's own placeholder, not a template
    expect(froms).toEqual([arg, arg]);
  });

  test("the install is frozen to the lockfile; the health check is the bundled one", () => {
    expect(dockerfile).toMatch(/^RUN bun install --production --frozen-lockfile --ignore-scripts$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["bun", "dist\/healthcheck\.js"\]$/m);
  });

  test("the bundle runs as relay/build.ts RUNTIME says (the bench and the process e2e run it so)", () => {
    const env = dockerfile.match(/^ENV (.+)$/m)?.[1]?.split(/\s+/) ?? [];
    for (const [name, value] of Object.entries(RUNTIME.env)) expect(env).toContain(`${name}=${value}`);
    expect(dockerfile).toMatch(/^CMD (.+)$/m);
    const cmd = JSON.parse(dockerfile.match(/^CMD (.+)$/m)?.[1] ?? "[]");
    expect(cmd).toEqual(["bun", ...RUNTIME.flags, "dist/main.js"]);
  });
});

test("the packages the relay runs on are pinned exactly (the lockfile pins the rest)", () => {
  const deps = (pkg as unknown as { dependencies: Record<string, string> }).dependencies;
  for (const name of ["baileys", "@discordjs/ws"]) expect(deps[name]).toMatch(/^\d+\.\d+\.\d+(?:-[\w.]+)?$/);
});
