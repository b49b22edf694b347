import { expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";

/**
 * No import cycles: a file never reaches itself through its imports (type-only imports count — they
 * tie the files' meanings together just the same). A cycle is a sign that something shared lives in
 * the wrong file; give it a file of its own that both sides import.
 */

const root = resolve(import.meta.dir, "..");
const FOLDERS = ["handlers", "relay", "emulators", "bench", "test", "dev", "modules", "scripts"];

/** Cycles known to remain, each as its files sorted; remove an entry when its cycle is gone. */
const KNOWN: string[][] = [];

// `import … from "x"`, `export … from "x"`, `import "x"` and `import("x")` with a literal.
const SPECIFIER = /(?:\b(?:import|export)\b[^;'"`]*?\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

/** Each TypeScript file of the folders, and the repository files it imports. */
async function importGraph(): Promise<Map<string, string[]>> {
  const files: string[] = [];
  for (const folder of FOLDERS) {
    for await (const file of new Bun.Glob(`${folder}/**/*.ts`).scan({ cwd: root })) {
      if (!file.includes("node_modules/")) files.push(file);
    }
  }
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const code = await readFile(join(root, file), "utf8");
    const targets = new Set<string>();
    for (const match of code.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? "";
      if (!specifier.startsWith(".")) continue;
      const target = relative(root, resolve(root, dirname(file), specifier.replace(/\?.*$/, "")));
      if (known.has(target)) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** The strongly connected components with more than one file (Tarjan), each sorted. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found.sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? ""));
}

test("the finder sees a cycle, type-only imports included", () => {
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts"]],
    ["d.ts", ["a.ts"]],
  ]);
  expect(cycles(graph)).toEqual([["a.ts", "b.ts", "c.ts"]]);
  const code = 'import type { X } from "./x.ts";\nexport { y } from "../y.ts";\nawait import("./z.ts");';
  expect([...code.matchAll(SPECIFIER)].map((m) => m[1])).toEqual(["./x.ts", "../y.ts", "./z.ts"]);
});

test("no import cycles in handlers/, relay/, emulators/, bench/, test/, dev/, modules/ or scripts/ (but the known ones)", async () => {
  const graph = await importGraph();
  expect(graph.size).toBeGreaterThan(100);
  expect(cycles(graph)).toEqual(KNOWN);
});

/**
 * The folders of the product: what ships, or runs outside the tests (`bun run dev`, the benchmarks, the
 * build). Their code never imports test/ — what both need (the emulators) lives in emulators/; only the
 * tests beside the code (`*.test.ts`) may use the test helpers.
 */
const PRODUCT = ["dev", "handlers", "relay", "emulators", "modules", "scripts", "bench"];

/** Every import of a test/ file by product code, as `importer → imported`. */
function intoTests(graph: Map<string, string[]>): string[] {
  const edges: string[] = [];
  for (const [file, targets] of graph) {
    if (!PRODUCT.some((folder) => file.startsWith(`${folder}/`)) || file.endsWith(".test.ts")) continue;
    for (const target of targets) if (target.startsWith("test/")) edges.push(`${file} → ${target}`);
  }
  return edges.sort();
}

test("the boundary check sees product code importing test/, and lets tests beside the code do it", () => {
  const graph = new Map([
    ["dev/stack.ts", ["emulators/sqs.ts", "test/harness/env.ts"]],
    ["handlers/core/queue.test.ts", ["test/harness/env.ts"]],
    ["test/telegram.e2e.test.ts", ["test/harness/channel-e2e.ts"]],
  ]);
  expect(intoTests(graph)).toEqual(["dev/stack.ts → test/harness/env.ts"]);
});

test("no product code (dev/, handlers/, relay/, emulators/, modules/, scripts/, bench/) imports test/", async () => {
  expect(intoTests(await importGraph())).toEqual([]);
});
