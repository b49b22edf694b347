/**
 * The Node.js the bench runs handlers in, and one-shot child processes: a JSON job on stdin, one JSON
 * result line on stdout, the whole-process wall time measured from spawn to exit.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RESULT_PREFIX } from "../node/io.ts";

const benchDir = join(import.meta.dir, "..");

/**
 * The node binary: `BENCH_NODE` when set; else Node 22 from bench/node_modules (node-linux-<arch>, the
 * Lambda runtime's major version, installed by `cd bench && bun install`); else `node` on PATH.
 */
export function nodeBinary(): string {
  if (process.env.BENCH_NODE) return process.env.BENCH_NODE;
  const local = join(benchDir, "node_modules", `node-linux-${process.arch}`, "bin", "node");
  return existsSync(local) ? local : "node";
}

/** The environment every child starts from: what Lambda sets, nothing of the bench's own shell. */
export function lambdaBaseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    TZ: "UTC",
    LANG: "en_US.UTF-8",
    AWS_LAMBDA_FUNCTION_NAME: "bench",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    // Set by Lambda for the init phase: the ingress then starts its secret read while it loads.
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    NODE_ENV: "production",
  };
}

/** What a child run gave. */
export interface ChildRun<R> {
  /** The child's result line, parsed (undefined when it printed none). */
  result: R | undefined;
  /** Spawn to exit, in ms, as the parent saw it. */
  wallMs: number;
  code: number | null;
  stderr: string;
  /** Bytes the child wrote to stdout, result line excluded (the handler's log lines). */
  stdoutBytes: number;
}

/** Options for {@link runChild}. */
export interface ChildOptions {
  env?: Record<string, string | undefined>;
  /** Kill the child after this long (default 60 s). */
  timeoutMs?: number;
  /** A cgroup directory the child joins before node starts (lib/cpu-share.ts). */
  cgroup?: string;
}

/**
 * Runs `node ...args` (a script path and its arguments, or e.g. `["-e", "0"]`) with `job` as JSON on
 * stdin and resolves with the last stdout line that starts with {@link RESULT_PREFIX}, parsed. Never
 * rejects on a non-zero exit: the caller checks `result` (and `stderr`).
 */
export function runChild<R>(args: string[], job: unknown, options: ChildOptions = {}): Promise<ChildRun<R>> {
  const env: Record<string, string> = lambdaBaseEnv();
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const start = performance.now();
  // In a cgroup: a shell joins it, then becomes node, so node's first instruction runs limited.
  const [command, argv] = options.cgroup
    ? ["/bin/sh", ["-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', options.cgroup, nodeBinary(), ...args]]
    : [nodeBinary(), args];
  const child = spawn(command, argv, {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let stdoutBytes = 0;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdoutBytes += Buffer.byteLength(chunk);
    // Keep only what could hold the result line: handler logs can run to megabytes.
    stdout = (stdout + chunk).slice(-8_000_000);
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  child.stdin.on("error", () => {}); // a child that exits early closes its stdin
  child.stdin.end(job === undefined ? "" : JSON.stringify(job));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("close", (code) => {
      const wallMs = performance.now() - start;
      clearTimeout(timer);
      const line = stdout
        .split("\n")
        .reverse()
        .find((l) => l.startsWith(RESULT_PREFIX));
      const result = line === undefined ? undefined : (JSON.parse(line.slice(RESULT_PREFIX.length)) as R);
      const resultBytes = line === undefined ? 0 : Buffer.byteLength(line) + 2;
      resolve({ result, wallMs, code, stderr, stdoutBytes: stdoutBytes - resultBytes });
    });
  });
}

/** The version string of the node binary in use, e.g. `v22.23.3`. */
export async function nodeVersion(): Promise<string> {
  const child = spawn(nodeBinary(), ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  await new Promise((resolve) => child.on("close", resolve));
  return out.trim();
}
