/**
 * A Lambda function emulated in a child `node` process (the runtime Lambda uses): the bundle is loaded
 * once (the init phase, not counted against the timeout), invocations run one at a time in the warm
 * process, and a timeout or a crash kills the process like Lambda ends the execution environment, so
 * nothing the killed invocation had started happens afterwards. The next invocation starts a new one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { EnvVars } from "../../emulators/aws-env.ts";

/** How an invocation ended. */
export type Invocation =
  | { kind: "returned"; result: unknown }
  | { kind: "threw"; error: string }
  | { kind: "timeout" }
  | { kind: "killed"; reason: string };

const RUNNER = `
const mod = await import(process.env.RELIABILITY_BUNDLE);
process.on("message", async ({ id, event, timeoutMs }) => {
  const deadline = Date.now() + timeoutMs;
  const context = {
    functionName: "reliability-worker",
    awsRequestId: String(id),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await mod.handler(event, context);
    process.send({ id, ok: true, result: result ?? null });
  } catch (error) {
    process.send({ id, ok: false, error: String(error?.name) + ": " + String(error?.message) });
  }
});
process.send({ ready: true });
`;

/** Options for {@link NodeFunction}. */
export interface NodeFunctionOptions {
  readonly bundle: string;
  readonly env: EnvVars;
  readonly timeoutMs: number;
  /** Receives everything the process writes (its log lines). */
  readonly output: (text: string) => void;
}

/** One function instance (one execution environment at a time). */
export class NodeFunction {
  readonly #options: NodeFunctionOptions;
  #child: ChildProcess | undefined;
  #ready: Promise<void> | undefined;
  #pending: ((outcome: Invocation) => void) | undefined;
  #next = 0;
  /** Execution environments started (cold starts). */
  coldStarts = 0;

  constructor(options: NodeFunctionOptions) {
    this.#options = options;
  }

  #start(): Promise<void> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      TZ: "UTC",
      AWS_LAMBDA_FUNCTION_NAME: "reliability-worker",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      RELIABILITY_BUNDLE: pathToFileURL(resolve(this.#options.bundle)).href,
    };
    for (const [key, value] of Object.entries(this.#options.env)) if (value !== undefined) env[key] = value;
    const child = spawn("node", ["--input-type=module", "-e", RUNNER], {
      env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.coldStarts += 1;
    this.#child = child;
    child.stdout?.setEncoding("utf8").on("data", (text: string) => this.#options.output(text));
    child.stderr?.setEncoding("utf8").on("data", (text: string) => this.#options.output(text));
    const ready = new Promise<void>((resolveReady, reject) => {
      child.on(
        "message",
        (message: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: string }) => {
          if (message.ready) {
            resolveReady();
            return;
          }
          const settle = this.#pending;
          this.#pending = undefined;
          settle?.(
            message.ok
              ? { kind: "returned", result: message.result }
              : { kind: "threw", error: message.error ?? "" },
          );
        },
      );
      child.on("exit", (code, signal) => {
        if (this.#child === child) {
          this.#child = undefined;
          this.#ready = undefined;
        }
        reject(new Error(`worker process exited during init (${code ?? signal})`));
        const settle = this.#pending;
        this.#pending = undefined;
        settle?.({ kind: "killed", reason: `exited ${code ?? signal}` });
      });
    });
    this.#ready = ready;
    return ready;
  }

  /** Kills the running execution environment (a crash); the invocation in flight ends as killed. */
  kill(reason = "crash"): void {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    this.#ready = undefined;
    const settle = this.#pending;
    this.#pending = undefined;
    child.kill("SIGKILL");
    settle?.({ kind: "killed", reason });
  }

  /** Whether an invocation is running. */
  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /** Runs one invocation; a timeout kills the environment. */
  async invoke(event: unknown): Promise<Invocation> {
    if (this.#pending) throw new Error("NodeFunction runs one invocation at a time");
    await (this.#ready ?? this.#start());
    const child = this.#child;
    if (!child) return { kind: "killed", reason: "gone before the invocation" };
    const id = ++this.#next;
    return new Promise<Invocation>((settle) => {
      const timer = setTimeout(() => {
        if (this.#pending !== done) return;
        this.kill("timeout");
      }, this.#options.timeoutMs);
      const done = (outcome: Invocation) => {
        clearTimeout(timer);
        settle(outcome.kind === "killed" && outcome.reason === "timeout" ? { kind: "timeout" } : outcome);
      };
      this.#pending = done;
      child.send({ id, event, timeoutMs: this.#options.timeoutMs });
    });
  }

  /** Ends the process, if any. */
  close(): void {
    this.kill("closed");
  }
}
