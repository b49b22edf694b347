/**
 * A local API Gateway: a Request becomes an HTTP API payload v2.0 event for the ingress handler,
 * and its result becomes a Response — the same shapes Lambda sees behind API Gateway.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from "aws-lambda";
import { httpApiEvent } from "../test/harness/lambda.ts";

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
