/**
 * The child side of a bench run, for scripts that run inside `node`: read the JSON job from stdin,
 * write one result line, and a Lambda-like context. No Bun API here: these files are bundled for Node.
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";

/** Marks the result line among the handler's own log lines on stdout. */
export const RESULT_PREFIX = "@@bench ";

/** Reads stdin to the end and parses it as JSON. */
export async function readJob<T>(): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as T;
}

/** Writes the result line and exits once it is flushed. */
export function report(result: unknown): void {
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0));
}

/** A handler as Lambda calls it. */
export type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** Imports a bundle and returns its `handler` export. */
export async function importHandler(bundle: string): Promise<Handler> {
  const mod = (await import(pathToFileURL(bundle).href)) as { handler?: Handler };
  if (typeof mod.handler !== "function") throw new Error(`${bundle} exports no handler`);
  return mod.handler;
}

/** A Lambda context with a 30 s budget from now. */
export function context(): Record<string, unknown> {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "bench",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench",
    memoryLimitInMB: "256",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/bench",
    logStreamName: "2026/11/24/[$LATEST]bench",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** The HTTP status of an API Gateway (or Lambda proxy) result, 0 when there is none. */
export function statusOf(result: unknown): number {
  const code = (result as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : 0;
}

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

/** CPU time this process has used so far (user + system), ms. */
export const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
