/**
 * One HTTP POST to an AWS endpoint over node:http / node:https with keep-alive, as the SDK's
 * NodeHttpHandler sends it (not `fetch`: undici's first call costs a cold start tens of ms more).
 * A network failure rejects with Node's own error (`code: ECONNREFUSED` …), a slow answer with a
 * TimeoutError, so the retry classification and the logs see what they saw with the SDK.
 */
import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { type RawResponse, TimeoutError } from "./errors.ts";

// Not `import … from "node:http"`: Node 22's ES-module face of node:http reads every export, its lazy
// `WebSocket` too, which loads undici (with node:http2 and node:zlib) into every cold start.
const http = process.getBuiltinModule("node:http");
const https = process.getBuiltinModule("node:https");

let agents: { http: HttpAgent; https: HttpsAgent } | undefined;

/** POSTs `body` to `url` with `headers`; resolves with the whole answer, whatever its status. */
export function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<RawResponse> {
  agents ??= { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const secure = url.protocol === "https:";
  const send = secure ? https.request : http.request;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const request = send(
      url,
      { method: "POST", headers, agent: secure ? agents?.https : agents?.http },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", fail);
        response.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
      },
    );
    const timer = setTimeout(() => fail(new TimeoutError(timeoutMs)), timeoutMs);
    request.on("error", fail);
    request.end(body);
  });
}
