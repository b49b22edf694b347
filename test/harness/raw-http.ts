/**
 * An HTTP/1.1 request written by hand over a TCP socket: for what fetch will not send (a foreign Host
 * header) and for connecting to a chosen address of this machine (a non-loopback one).
 */
import { connect } from "node:net";
import { networkInterfaces } from "node:os";

/** One request; `headers` are sent as given, after Host (unless they name Host themselves). */
export interface RawRequest {
  readonly port: number;
  /** The address to connect to. @default "127.0.0.1" */
  readonly address?: string;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** The response's status and body, or the connection error's code (e.g. ECONNREFUSED). */
export type RawResponse = { status: number; body: string } | { error: string };

/** Sends `request`; resolves with the response or the connection error. */
export function rawHttp(request: RawRequest): Promise<RawResponse> {
  const address = request.address ?? "127.0.0.1";
  const headers: Record<string, string> = {
    host: `${address.includes(":") ? `[${address}]` : address}:${request.port}`,
    connection: "close",
    ...Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    ...(request.body === undefined ? {} : { "content-length": String(Buffer.byteLength(request.body)) }),
  };
  const head = [
    `${request.method ?? "GET"} ${request.path ?? "/"} HTTP/1.1`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join("\r\n");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: address, port: request.port }, () => {
      socket.write(`${head}\r\n\r\n${request.body ?? ""}`);
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error("ETIMEDOUT")));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    socket.on("close", () => {
      if (chunks.length === 0) return resolve({ error: "closed without a response" });
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(text.match(/^HTTP\/1\.[01] (\d{3})/)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
  });
}

/** An IPv4 address of this machine that is not loopback, if it has one. */
export function nonLoopbackAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}
