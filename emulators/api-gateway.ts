/**
 * A local API Gateway HTTP API (payload format 2.0): the event it sends a Lambda integration, and the
 * bridge `bun run dev` serves the ingress handlers through — a Request becomes that event, the handler's
 * result becomes a Response, the same shapes Lambda sees behind API Gateway.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from "aws-lambda";

/** Input for {@link httpApiEvent}. */
export interface HttpApiEventInput {
  method?: string;
  /** The path, optionally with `?query` (merged with `query`). */
  path: string;
  /** Header values; arrays become repeated headers, which API Gateway joins with commas. */
  headers?: Record<string, string | string[]>;
  /** A string is sent as is, bytes are base64-encoded, other values are JSON-encoded (content-type added). */
  body?: string | Uint8Array | object;
  /** Deliver the body base64-encoded (as API Gateway does for binary media types). */
  isBase64Encoded?: boolean;
  /** Query parameters; arrays become repeated parameters. */
  query?: Record<string, string | string[]>;
  /** Route key (default `"<METHOD> <path>"`; Function URLs use `"$default"`). */
  routeKey?: string;
  pathParameters?: Record<string, string>;
  sourceIp?: string;
  /** Request time (default now). */
  time?: Date;
  stage?: string;
  domainName?: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `12/Mar/2020:19:03:58 +0000`, the requestContext.time format. */
function clf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Builds the event API Gateway HTTP API (payload format 2.0) sends a Lambda integration. */
export function httpApiEvent(input: HttpApiEventInput): APIGatewayProxyEventV2 {
  const method = (input.method ?? "GET").toUpperCase();
  const [rawPath = "/", pathQuery = ""] = input.path.split("?", 2) as [string, string?];
  const search = new URLSearchParams(pathQuery);
  for (const [key, value] of Object.entries(input.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  const rawQueryString = search.toString();
  const time = input.time ?? new Date();
  const domainName = input.domainName ?? "abc123def4.execute-api.us-east-1.amazonaws.com";
  const sourceIp = input.sourceIp ?? "203.0.113.7";

  let body: string | undefined;
  let bodyBytes: Uint8Array | undefined;
  const headerInput: Record<string, string | string[]> = { ...input.headers };
  const hasHeader = (name: string) => Object.keys(headerInput).some((k) => k.toLowerCase() === name);
  if (input.body instanceof Uint8Array) bodyBytes = input.body;
  else if (typeof input.body === "string") bodyBytes = new TextEncoder().encode(input.body);
  else if (input.body !== undefined) {
    bodyBytes = new TextEncoder().encode(JSON.stringify(input.body));
    if (!hasHeader("content-type")) headerInput["content-type"] = "application/json";
  }
  const base64 = input.isBase64Encoded ?? input.body instanceof Uint8Array;
  if (bodyBytes !== undefined) {
    body = base64 ? Buffer.from(bodyBytes).toString("base64") : new TextDecoder().decode(bodyBytes);
    if (!hasHeader("content-length")) headerInput["content-length"] = String(bodyBytes.length);
  }

  // Headers API Gateway adds, unless the caller set them.
  const defaults: Record<string, string> = {
    host: domainName,
    "user-agent": "agentcore-relay-test/1.0",
    "x-amzn-trace-id": `Root=1-${Math.floor(time.getTime() / 1000).toString(16)}-${randomUUID().replace(/-/g, "").slice(0, 24)}`,
    "x-forwarded-for": sourceIp,
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
  };
  for (const [key, value] of Object.entries(defaults)) if (!hasHeader(key)) headerInput[key] = value;

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [key, value] of Object.entries(headerInput)) {
    const name = key.toLowerCase();
    const values = Array.isArray(value) ? value : [value];
    if (name === "cookie") {
      cookies = [...(cookies ?? []), ...values.flatMap((v) => v.split(";").map((c) => c.trim()))];
      continue;
    }
    headers[name] = headers[name] === undefined ? values.join(",") : `${headers[name]},${values.join(",")}`;
  }

  const queryStringParameters: Record<string, string> = {};
  for (const [key, value] of search) {
    queryStringParameters[key] =
      queryStringParameters[key] === undefined ? value : `${queryStringParameters[key]},${value}`;
  }

  const routeKey = input.routeKey ?? `${method} ${rawPath}`;
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId: domainName.split(".")[0] ?? "abc123def4",
      domainName,
      domainPrefix: domainName.split(".")[0] ?? "abc123def4",
      http: {
        method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: `${randomUUID().slice(0, 8)}=`,
      routeKey,
      stage: input.stage ?? "$default",
      time: clf(time),
      timeEpoch: time.getTime(),
    },
    isBase64Encoded: body === undefined ? false : base64,
  };
  if (cookies) event.cookies = cookies;
  if (rawQueryString !== "") event.queryStringParameters = queryStringParameters;
  if (input.pathParameters) event.pathParameters = input.pathParameters;
  if (body !== undefined) event.body = body;
  return event;
}

/** The v2.0 event API Gateway would send for `request`. */
export async function requestToEvent(request: Request): Promise<APIGatewayProxyEventV2> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.text();
  return httpApiEvent({
    method: request.method,
    path: url.pathname + url.search,
    headers,
    ...(body ? { body } : {}),
    domainName: url.host,
  });
}

/** The Response API Gateway would send for a handler's result. */
export function resultToResponse(result: APIGatewayProxyResult): Response {
  const headers = new Headers();
  for (const [key, value] of Object.entries(result.headers ?? {})) headers.set(key, String(value));
  const body = result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64") : (result.body ?? "");
  return new Response(result.statusCode === 204 ? null : body, { status: result.statusCode, headers });
}
