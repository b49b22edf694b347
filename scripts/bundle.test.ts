import { expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { channels, rolesOf, zipBundle } from "./bundle.ts";

const root = join(import.meta.dir, "..");

/** The Unix mode a zip entry carries (the high half of its external attributes in the central directory). */
function unixModes(zip: Uint8Array): number[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const modes: number[] = [];
  for (let at = 0; at + 46 <= zip.length; at++) {
    if (view.getUint32(at, true) === 0x02014b50) modes.push(view.getUint32(at + 38, true) >>> 16);
  }
  return modes;
}

test("every committed bundle has its committed zip: exactly that file, rw-r--r--, as a fresh zip gives it", async () => {
  for (const channel of await channels()) {
    for (const role of await rolesOf(channel)) {
      const dist = join(root, "modules", channel, "dist");
      const code = new Uint8Array(await readFile(join(dist, `${role}.mjs`)));
      const zip = new Uint8Array(await readFile(join(dist, `${role}.zip`)));
      const path = `modules/${channel}/dist/${role}.zip`;
      expect(Object.keys(unzipSync(zip)), path).toEqual([`${role}.mjs`]);
      expect(Buffer.from(unzipSync(zip)[`${role}.mjs`] as Uint8Array).equals(code), path).toBe(true);
      expect(unixModes(zip), path).toEqual([0o100644]);
      expect(
        Buffer.from(zipBundle(`${role}.mjs`, code)).equals(zip),
        `${path} is stale: run bun run build`,
      ).toBe(true);
    }
  }
});

test("the zip does not depend on when or in which time zone it is made", () => {
  const code = new TextEncoder().encode("export const handler = async () => 1;\n");
  const first = zipBundle("worker.mjs", code);
  const previous = process.env.TZ;
  try {
    for (const tz of ["UTC", "America/Los_Angeles", "Asia/Kolkata"]) {
      process.env.TZ = tz;
      expect(Buffer.from(zipBundle("worker.mjs", code)).equals(Buffer.from(first)), tz).toBe(true);
    }
  } finally {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  }
});
