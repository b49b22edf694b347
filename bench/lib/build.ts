/**
 * Bundling for the bench: the peers and the stubbed-SQS variants of every ingress, with the options
 * scripts/bundle.ts gives the product's bundles (ESM for Node, minified, production), and the child
 * drivers in bench/node/. Everything goes to .tmp/bench/ (ignored by git).
 */

import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import type { BunPlugin } from "bun";
import { CONDITIONS, lightWebForHono } from "../../scripts/bundle.ts";

/** The repository's root. */
export const root = join(import.meta.dir, "..", "..");
/** Where the bench builds what it runs (ignored by git). */
export const outRoot = join(root, ".tmp", "bench");

/** The options of scripts/bundle.ts `bundle()`: keep them in step (bench.test.ts checks it). */
export const BUNDLE_OPTIONS = {
  target: "node",
  format: "esm",
  minify: true,
  sourcemap: "none",
  define: { "process.env.NODE_ENV": '"production"' },
} as const;

/**
 * The warm-overhead variant: replaces `@aws-sdk/client-sqs` (the peers' SQS client) with
 * bench/lib/sqs-stub.ts, and our ingress's lean SQS client (handlers/core/aws/sqs.ts) with
 * bench/lib/lean-sqs-stub.ts.
 */
const sqsStub: BunPlugin = {
  name: "sqs-stub",
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/client-sqs$/ }, () => ({
      path: join(import.meta.dir, "sqs-stub.ts"),
    }));
    build.onResolve({ filter: /\/aws\/sqs\.ts$/ }, (args) =>
      args.importer.includes("/handlers/core/")
        ? { path: join(import.meta.dir, "lean-sqs-stub.ts") }
        : undefined,
    );
  },
};

/** What a build made. */
export interface Built {
  path: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes in the output per npm package (or per source folder for our own code). */
  byPackage: Record<string, number>;
}

/** The package a metafile input belongs to: `@aws-sdk/client-sqs`, or `handlers/core` for our own code. */
export function packageOf(input: string): string {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (match?.[1]) return match[1];
  return input
    .replace(/^(\.\.\/)+/, "")
    .split("/")
    .slice(0, 2)
    .join("/");
}

/**
 * Bundles one entry point as scripts/bundle.ts bundles an ingress (its export conditions and its light
 * web classes for Hono included: the peers get the same build, and use no Hono); `stubSqs` swaps in
 * the in-process SQS stub, `plugins` make variants that test a fix before it is made.
 */
export async function bundleEntry(
  entry: string,
  outdir: string,
  name: string,
  options: { stubSqs?: boolean; plugins?: BunPlugin[] } = {},
): Promise<Built> {
  await mkdir(outdir, { recursive: true });
  const result = await Bun.build({
    ...BUNDLE_OPTIONS,
    entrypoints: [entry],
    outdir,
    naming: name,
    metafile: true,
    plugins: [lightWebForHono, ...(options.stubSqs ? [sqsStub] : []), ...(options.plugins ?? [])],
    conditions: CONDITIONS.ingress,
  });
  if (!result.success) throw new AggregateError(result.logs, `bundling ${relative(root, entry)} failed`);
  const path = join(outdir, name);
  const code = new Uint8Array(await Bun.file(path).arrayBuffer());
  const byPackage: Record<string, number> = {};
  for (const output of Object.values(result.metafile?.outputs ?? {})) {
    for (const [input, info] of Object.entries(output.inputs ?? {})) {
      const key = packageOf(input);
      byPackage[key] = (byPackage[key] ?? 0) + info.bytesInOutput;
    }
  }
  return { path, bytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength, byPackage };
}

/** Size of a file on disk and gzipped (level 9, close to what a Lambda zip deflates to). */
export async function sizeOf(path: string): Promise<{ bytes: number; gzipBytes: number }> {
  const code = new Uint8Array(await Bun.file(path).arrayBuffer());
  return { bytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}

/** Builds the child drivers (bench/node/*.ts) for Node into .tmp/bench/node/; returns their paths by name. */
export async function buildDrivers(): Promise<
  Record<"cold" | "warm" | "ingressLoad" | "workerPool", string>
> {
  const outdir = join(outRoot, "node");
  const names = {
    cold: "cold",
    warm: "warm",
    ingressLoad: "ingress-load",
    workerPool: "worker-pool",
  } as const;
  const result = await Bun.build({
    entrypoints: Object.values(names).map((n) => join(import.meta.dir, "..", "node", `${n}.ts`)),
    outdir,
    target: "node",
    format: "esm",
    naming: "[name].mjs",
  });
  if (!result.success) throw new AggregateError(result.logs, "bundling the bench drivers failed");
  return {
    cold: join(outdir, "cold.mjs"),
    warm: join(outdir, "warm.mjs"),
    ingressLoad: join(outdir, "ingress-load.mjs"),
    workerPool: join(outdir, "worker-pool.mjs"),
  };
}
