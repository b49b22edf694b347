import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from "aws-lambda";
import type { Hono } from "hono/tiny";
import { inInvocation, log } from "./log.ts";
import { LightHeaders, LightRequest } from "./web.ts";

/**
 * The Lambda edge of an ingress app: the API Gateway event (HTTP API payload 2.0, or a Function URL)
 * becomes a light Request (handlers/core/web.ts, not Node's: undici would cost a cold start tens of
 * ms), the app's Response the Lambda result. An event no HTTP stack would take as a request (a body
 * flagged base64 that is not, a header value outside RFC 9110) is the sender's fault: a 400 with a
 * short reason and one structured log line, before Hono sees it.
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
 * The request an event stands for: `https://<host><rawPath>?<rawQueryString>`, its headers (cookies
 * as one `cookie` header) and its body, decoded from base64 when flagged. The event holds the whole
 * body, so the request says its true length and no transfer coding (Hono's body limit reads the
 * length instead of a stream).
 */
export function requestOf(event: APIGatewayProxyEventV2): LightRequest {
  const headers = new LightHeaders();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.append(name, value);
  }
  if (event.cookies?.length) headers.set("cookie", event.cookies.join("; "));
  const method = event.requestContext.http.method.toUpperCase();
  const host = headers.get("host") ?? event.requestContext.domainName;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : "";
  const raw = method === "GET" || method === "HEAD" ? undefined : (event.body ?? undefined);
  const body = raw === undefined ? null : event.isBase64Encoded ? Buffer.from(raw, "base64") : raw;
  headers.delete("transfer-encoding");
  if (body === null) headers.delete("content-length");
  else headers.set("content-length", String(Buffer.byteLength(body)));
  return new LightRequest(`https://${host}${event.rawPath}${query}`, { method, headers, body });
}

/** What the edge reads of a response: the light one in the bundle, Node's or Bun's when run from source. */
interface AnyResponse {
  readonly status: number;
  readonly headers: {
    forEach(callback: (value: string, name: string) => void): void;
    getSetCookie(): string[];
  };
  text(): Promise<string>;
}

/** The Lambda result of a response: an ingress answers text (a reason, `ok`, a JSON body). */
export async function resultOf(
  response: AnyResponse,
): Promise<APIGatewayProxyResult & { cookies?: string[] }> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  return {
    statusCode: response.status,
    headers,
    body: await response.text(),
    isBase64Encoded: false,
    ...(cookies.length > 0 ? { cookies } : {}),
  };
}

/**
 * The Lambda handler of an ingress app; its log lines carry the invocation's request id and
 * cold-start flag. In Lambda's init phase it starts `options.prefetch`, so the first request does not
 * wait for it.
 * @example export const handler = lambdaHandler(app, { prefetch: secret });
 */
export function lambdaHandler(
  app: Hono,
  options: LambdaHandlerOptions = {},
): (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyResult> {
  // It runs while the module finishes loading; a failure here is the first request's to report.
  if (inLambdaInit()) options.prefetch?.().catch(() => undefined);
  return (event, context) =>
    inInvocation(context, async () => {
      const problem = eventProblem(event);
      if (problem === undefined) {
        // In the bundle Hono takes and makes light ones (scripts/bundle.ts); its types name the globals.
        const response = await app.fetch(requestOf(event) as unknown as Request);
        return resultOf(response);
      }
      log.warn("request.malformed", { reason: problem });
      return {
        statusCode: 400,
        headers: { "content-type": "text/plain; charset=UTF-8" },
        body: problem,
        isBase64Encoded: false,
      };
    });
}
