import { expect, test } from "bun:test";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** The architecture page's folder diagram stays true to the tree: every folder is in it. */

const root = join(import.meta.dir, "..");

/** The lines of the page's ```-block that follows the heading "## Folders". */
async function diagram(): Promise<string> {
  const page = await readFile(join(import.meta.dir, "architecture.md"), "utf8");
  const section = page.slice(page.indexOf("## Folders"));
  return section.slice(section.indexOf("```") + 3, section.indexOf("```", section.indexOf("```") + 3));
}

async function folders(path: string): Promise<string[]> {
  const entries = await readdir(join(root, path), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules")
    .map((e) => e.name);
}

test("every top-level folder, channel folder and core folder is in the diagram", async () => {
  const text = await diagram();
  const named = (name: string) => new RegExp(`(^|\\s)${name}/`, "m").test(text);
  const missing = [
    ...(await folders(".")).filter((name) => name !== "dist" && !named(name)),
    ...(await folders("handlers")).filter((name) => !named(name)),
    ...(await folders("handlers/core")).filter((name) => !named(name)),
  ];
  expect(missing).toEqual([]);
});
