/**
 * The built Lambda bundles under test: a fresh import of one in this process, and a one-shot handler call
 * in a child `node` process (the runtime Lambda uses, so a bundle proves it needs no Bun-only API).
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const TMP_DIR = resolve(new URL("../../.tmp/bundles/", import.meta.url).pathname);

/**
 * Imports a fresh copy of a built ESM bundle (copied under `.tmp/bundles/` with a unique name, then removed),
 * so module-level configuration is read from the current `process.env`. Bare imports (e.g. an external
 * `@aws-sdk/*`) still resolve from the repository's node_modules; relative imports would not.
 */
export async function loadBundle<M = Record<string, unknown>>(bundlePath: string): Promise<M> {
  await mkdir(TMP_DIR, { recursive: true });
  const copy = resolve(TMP_DIR, `${basename(bundlePath).replace(/\.m?js$/, "")}-${randomUUID()}.mjs`);
  await copyFile(bundlePath, copy);
  try {
    return (await import(pathToFileURL(copy).href)) as M;
  } finally {
    await rm(copy, { force: true });
  }
}

/** Options for {@link runInNode}. */
export interface RunInNodeOptions {
  /** The Node binary (default `node` on PATH: the system Node 20). */
  node?: string;
  /** Kill the child after this long (default 30 s). */
  timeoutMs?: number;
  /** The context's function timeout (default 30 s). */
  functionTimeoutMs?: number;
  /** The exported handler's name (default "handler"). */
  handlerName?: string;
}

/** What a child-process handler call produced. */
export interface NodeRun<R = unknown> {
  /** The handler's resolved value (JSON round-tripped; undefined when it returned nothing). */
  result: R;
  /** Everything the process wrote, minus the result line. */
  stdout: string;
  stderr: string;
  /** Node's `process.version` in the child. */
  nodeVersion: string;
  /** Node's built-in modules the bundle and the call loaded (`process.moduleLoadList` beyond a bare start). */
  loaded: string[];
}

const RESULT_MARKER = "__AGENTCORE_RELAY_RESULT__";

const RUNNER = `
import { pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { bundle, handlerName, event, functionTimeoutMs } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const deadline = Date.now() + functionTimeoutMs;
const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "agentcore-relay-test";
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: name,
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:" + name,
  memoryLimitInMB: "256",
  awsRequestId: randomUUID(),
  logGroupName: "/aws/lambda/" + name,
  logStreamName: "2026/11/24/[$LATEST]test",
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
const before = new Set(process.moduleLoadList);
let outcome;
try {
  const mod = await import(pathToFileURL(bundle).href);
  const handler = mod[handlerName];
  if (typeof handler !== "function") throw new Error("bundle exports no function " + handlerName);
  const result = await handler(event, context);
  outcome = { ok: true, result: result === undefined ? null : result, undefined: result === undefined };
} catch (error) {
  outcome = { ok: false, error: { name: error?.name, message: error?.message, stack: error?.stack } };
}
process.stdout.write("\\n${RESULT_MARKER}" + JSON.stringify({ ...outcome, nodeVersion: process.version, loaded: process.moduleLoadList.filter((m) => !before.has(m)) }) + "\\n", () => process.exit(0));
`;

/**
 * Runs one handler call of a built bundle in a child `node` process with exactly `env` (plus PATH, HOME and
 * the usual Lambda variables), so a test proves the bundle needs no Bun-only API. Rejects when the handler
 * throws or the process fails, with the child's output in the message.
 */
export async function runInNode<R = unknown>(
  bundlePath: string,
  event: unknown,
  env: Record<string, string | undefined> = {},
  options: RunInNodeOptions = {},
): Promise<NodeRun<R>> {
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    AWS_LAMBDA_FUNCTION_NAME: "agentcore-relay-test",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    TZ: "UTC",
    // Lambda runs Node 22; the SDK's "Node 20 is going away" warning would only be noise on stderr here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  const input = JSON.stringify({
    bundle: resolve(bundlePath),
    handlerName: options.handlerName ?? "handler",
    event,
    functionTimeoutMs: options.functionTimeoutMs ?? 30_000,
  });
  const child = spawn(options.node ?? "node", ["--input-type=module", "-e", RUNNER], {
    env: childEnv,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(input);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`runInNode: child timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      resolvePromise(exitCode);
    });
  });
  const index = stdout.lastIndexOf(`\n${RESULT_MARKER}`);
  if (index < 0) {
    throw new Error(`runInNode: no result (exit code ${code})\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  const line = stdout.slice(index + RESULT_MARKER.length + 1).split("\n", 1)[0] ?? "";
  const outcome = JSON.parse(line) as {
    ok: boolean;
    result?: unknown;
    undefined?: boolean;
    error?: { name?: string; message?: string; stack?: string };
    nodeVersion: string;
    loaded: string[];
  };
  const logs = stdout.slice(0, index);
  if (!outcome.ok) {
    const error = new Error(
      `handler threw in node ${outcome.nodeVersion}: ${outcome.error?.name}: ${outcome.error?.message}\n${outcome.error?.stack ?? ""}\nstdout:\n${logs}\nstderr:\n${stderr}`,
    );
    error.name = outcome.error?.name ?? "Error";
    throw error;
  }
  return {
    result: (outcome.undefined ? undefined : outcome.result) as R,
    stdout: logs,
    stderr,
    nodeVersion: outcome.nodeVersion,
    loaded: outcome.loaded,
  };
}
