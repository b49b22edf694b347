import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import type { Hono } from "hono";
import { type APIGatewayProxyResult, handle, type LambdaEvent } from "hono/aws-lambda";
import { inInvocation, log } from "./log.ts";

/**
 * The Lambda edge of an ingress app. Hono's adapter turns the API Gateway event into a Request; an
 * event it cannot turn into one (a body flagged base64 that is not, a header value no HTTP stack
 * accepts) it answers with a 500 and an unstructured stack trace on stderr. Those are the sender's
 * fault: they get a 400 with a short reason and one structured log line, before Hono sees them.
 */

// A header name is an RFC 9110 token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 field values: visible ASCII, space, tab and obs-text (Latin-1). Node's fetch refuses NUL, CR,
// LF and anything past Latin-1; no platform sends the other control characters either.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Whether `text` is base64 as `atob` reads it (the HTML spec's forgiving-base64 decode). */
export function isForgivingBase64(text: string): boolean {
  const compact = text.replace(/[\t\n\f\r ]/g, "");
  const data = compact.length % 4 === 0 ? compact.replace(/={1,2}$/, "") : compact;
  return data.length % 4 !== 1 && /^[A-Za-z0-9+/]*$/.test(data);
}

/** Why the event cannot become a Request, or undefined when it can. */
export function eventProblem(event: APIGatewayProxyEventV2): string | undefined {
  const loose = event as {
    body?: unknown;
    isBase64Encoded?: unknown;
    headers?: Record<string, unknown>;
    multiValueHeaders?: Record<string, unknown>;
    cookies?: unknown;
  };
  if (loose.isBase64Encoded === true && typeof loose.body === "string" && !isForgivingBase64(loose.body)) {
    return "body is not base64";
  }
  const values: [string, unknown][] = [
    ...Object.entries(loose.headers ?? {}),
    ...Object.entries(loose.multiValueHeaders ?? {}).flatMap(([name, list]) =>
      (Array.isArray(list) ? list : [list]).map((value): [string, unknown] => [name, value]),
    ),
    ...(Array.isArray(loose.cookies) ? loose.cookies : []).map((value): [string, unknown] => [
      "cookie",
      value,
    ]),
  ];
  for (const [name, value] of values) {
    if (!TOKEN.test(name)) return "invalid header name";
    if (typeof value === "string" && !FIELD_VALUE.test(value)) return "invalid header value";
  }
  return undefined;
}

/** Options of {@link lambdaHandler}. */
export interface LambdaHandlerOptions {
  /**
   * What the first request would otherwise wait for (the channel secret's read), started in Lambda's
   * init phase. Its failure is left to the first request, which tries again and logs it.
   */
  readonly prefetch?: () => Promise<unknown>;
}

/**
 * Whether this process is in a Lambda execution environment's init phase: Lambda sets
 * `AWS_LAMBDA_INITIALIZATION_TYPE` (`on-demand`, `provisioned-concurrency`, …) for it. Tests and
 * the dev stack do not, so importing an ingress there starts nothing.
 */
export const inLambdaInit = (): boolean => Boolean(process.env.AWS_LAMBDA_INITIALIZATION_TYPE);

/**
 * Has Node load its fetch implementation (undici's `Request`, `Response`, `Headers` and their body
 * streams), which it does on first use: Hono's adapter builds a Request per event, and without this
 * the first request pays for the loading (about 25 ms of a cold start's CPU).
 */
async function loadFetchClasses(): Promise<void> {
  const request = new Request("http://init.invalid/", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  await request.arrayBuffer();
  await new Response("{}", { headers: { "content-type": "application/json" } }).text();
}

/**
 * The Lambda handler of an ingress app (API Gateway HTTP API payload 2.0, or a Function URL); its log
 * lines carry the invocation's request id and cold-start flag. In Lambda's init phase it loads the
 * fetch classes and starts `options.prefetch`, so the first request pays for neither.
 * @example export const handler = lambdaHandler(app, { prefetch: secret });
 */
export function lambdaHandler(
  app: Hono,
  options: LambdaHandlerOptions = {},
): (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyResult> {
  const handler = handle(app);
  if (inLambdaInit()) {
    // Both run while the module finishes loading; a failure here is the first request's to report.
    options.prefetch?.().catch(() => undefined);
    loadFetchClasses().catch(() => undefined);
  }
  return (event, context) =>
    inInvocation(context, async () => {
      const problem = eventProblem(event);
      // Hono's own event types differ from @types/aws-lambda only in optionality (body null vs undefined).
      if (problem === undefined) return handler(event as unknown as LambdaEvent, context);
      log.warn("request.malformed", { reason: problem });
      return {
        statusCode: 400,
        headers: { "content-type": "text/plain; charset=UTF-8" },
        body: problem,
        isBase64Encoded: false,
      };
    });
}
