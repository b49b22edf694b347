/**
 * Bundles the relay for its container: relay/main.ts → `<outdir>/main.js` (+ chunks), minified, for Bun,
 * and the container health check relay/healthcheck.ts → `<outdir>/healthcheck.js`.
 * Code that loads only on demand (WhatsApp, the S3 and Secrets Manager clients) stays in separate
 * chunks, and Baileys stays a package import (it loads its own files at run time). One file parsed
 * instead of hundreds of modules: about 6 MB less resident memory than running the sources.
 *
 *   bun relay/build.ts dist    # then: BUN_JSC_useJIT=0 bun --smol dist/main.js
 */
import { join, resolve } from "node:path";

/**
 * How relay/Dockerfile runs the bundle (a test checks they agree; the bench and the process e2e run it
 * so): `bun --smol`, and JavaScriptCore without its JIT compilers. The relay waits on sockets; its
 * per-message work is a JSON frame, an envelope and a signed request. Run by the interpreter it holds
 * about 54 MB at 100 messages/s instead of 75–100 MB with the JITs' compiled code and their working memory,
 * at about 0.5 ms more CPU per message (BENCHMARKS.md). Baileys's WebAssembly runs in JSC's wasm
 * interpreter then (the WhatsApp tests pass with `BUN_JSC_useJIT=0`).
 */
export const RUNTIME = { flags: ["--smol"], env: { BUN_JSC_useJIT: "0" } } as const;

/** Packages the bundle imports at run time instead of containing them. */
export const EXTERNAL = ["baileys"];

/** Builds the bundle into `outdir`; returns the entry point's path. */
export async function buildRelay(outdir: string): Promise<string> {
  const result = await Bun.build({
    entrypoints: [join(import.meta.dir, "main.ts"), join(import.meta.dir, "healthcheck.ts")],
    target: "bun",
    format: "esm",
    minify: true,
    splitting: true,
    sourcemap: "none",
    external: EXTERNAL,
    outdir,
    naming: { entry: "[name].js", chunk: "[name]-[hash].js" },
  });
  if (!result.success) throw new AggregateError(result.logs, "bundling relay/main.ts failed");
  return join(outdir, "main.js");
}

if (import.meta.main) {
  const outdir = resolve(process.argv[2] ?? "dist");
  console.log(await buildRelay(outdir));
}
