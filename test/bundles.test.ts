import { expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundle, channels, rolesOf } from "../scripts/bundle.ts";

const root = join(import.meta.dir, "..");

// The committed bundles are what Terraform deploys: they must be what `bun run build` makes now.
test("committed Lambda bundles are fresh (run `bun run build` when this fails)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "relay-bundle-"));
  try {
    const names = await channels();
    expect(names).toContain("telegram");
    for (const channel of names) {
      for (const role of await rolesOf(channel)) {
        const fresh = await readFile(await bundle(channel, role, join(dir, channel)), "utf8");
        const committed = await readFile(join(root, "modules", channel, "dist", `${role}.mjs`), "utf8").catch(
          () => "",
        );
        expect({ file: `modules/${channel}/dist/${role}.mjs`, fresh: fresh === committed }).toEqual({
          file: `modules/${channel}/dist/${role}.mjs`,
          fresh: true,
        });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("bundles export `handler` and use no Bun-only API", async () => {
  for (const channel of await channels()) {
    for (const role of await rolesOf(channel)) {
      const code = await readFile(join(root, "modules", channel, "dist", `${role}.mjs`), "utf8");
      expect(code).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{[^}]*\bhandler\b/);
      expect(code).not.toMatch(/\bBun\.|from\s*"bun"|import\.meta\.require/);
    }
  }
});
