/**
 * A loopback S3 (path-style, one process, 127.0.0.1) with the conditional writes the relay's lease relies
 * on: PUT with If-None-Match: * (create only) or If-Match: <etag> (replace only that version), answered
 * 412 PreconditionFailed otherwise, as S3 does. Also GET, DELETE, ListObjectsV2 and DeleteObjects, which
 * the relay's state store uses. Every write is logged with the access key id that signed it, so a test
 * can tell two relays (two clients with different credentials) apart.
 */
import { createHash } from "node:crypto";

export interface S3Write {
  readonly op: "put" | "delete";
  readonly key: string;
  /** The access key id of the request's signature. */
  readonly by: string;
  /** Order of the write among all writes. */
  readonly seq: number;
}

export interface FakeS3 {
  readonly endpoint: string;
  readonly objects: Map<string, { body: Uint8Array; etag: string }>;
  /** Writes that were made (refused ones are not). */
  readonly writes: S3Write[];
  /** Access key ids whose requests get 503 (an S3 out of reach for one relay). */
  readonly unreachableFor: Set<string>;
  close(): Promise<void>;
}

const xml = (status: number, body: string) =>
  new Response(`<?xml version="1.0" encoding="UTF-8"?>${body}`, {
    status,
    headers: { "content-type": "application/xml" },
  });
const error = (status: number, code: string) =>
  xml(status, `<Error><Code>${code}</Code><Message>${code}</Message></Error>`);
const xmlText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The access key id of a SigV4 Authorization header. */
const signer = (request: Request) =>
  /Credential=([^/]+)\//.exec(request.headers.get("authorization") ?? "")?.[1] ?? "anonymous";

export function startFakeS3(): FakeS3 {
  const objects = new Map<string, { body: Uint8Array; etag: string }>();
  const writes: S3Write[] = [];
  const unreachableFor = new Set<string>();
  let seq = 0;
  const write = (op: S3Write["op"], key: string, by: string) => writes.push({ op, key, by, seq: seq++ });

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const by = signer(request);
      if (unreachableFor.has(by)) return error(503, "ServiceUnavailable");
      const url = new URL(request.url);
      const [, bucket = "", ...rest] = url.pathname.split("/");
      const key = decodeURIComponent(rest.join("/"));
      const id = `${bucket}/${key}`;

      if (key === "" && request.method === "GET" && url.searchParams.get("list-type") === "2") {
        const prefix = url.searchParams.get("prefix") ?? "";
        const keys = [...objects.keys()]
          .filter((k) => k.startsWith(`${bucket}/${prefix}`))
          .map((k) => k.slice(bucket.length + 1))
          .sort();
        const contents = keys
          .map((k) => `<Contents><Key>${xmlText(k)}</Key><Size>1</Size></Contents>`)
          .join("");
        return xml(
          200,
          `<ListBucketResult><Name>${bucket}</Name><Prefix>${xmlText(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
        );
      }
      if (key === "" && request.method === "POST" && url.searchParams.has("delete")) {
        const body = await request.text();
        for (const match of body.matchAll(/<Key>([^<]*)<\/Key>/g)) {
          const k = (match[1] as string).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
          if (objects.delete(`${bucket}/${k}`)) write("delete", k, by);
        }
        return xml(200, "<DeleteResult></DeleteResult>");
      }
      if (request.method === "GET" || request.method === "HEAD") {
        const object = objects.get(id);
        if (!object) return error(404, "NoSuchKey");
        return new Response(request.method === "HEAD" ? null : Buffer.from(object.body), {
          headers: { etag: object.etag, "content-type": "application/octet-stream" },
        });
      }
      if (request.method === "PUT") {
        const current = objects.get(id);
        const ifNoneMatch = request.headers.get("if-none-match");
        const ifMatch = request.headers.get("if-match");
        if (ifNoneMatch === "*" && current) return error(412, "PreconditionFailed");
        if (ifMatch !== null && current?.etag !== ifMatch) {
          return current ? error(412, "PreconditionFailed") : error(404, "NoSuchKey");
        }
        const body = new Uint8Array(await request.arrayBuffer());
        const etag = `"${createHash("md5").update(body).update(String(seq)).digest("hex")}"`;
        objects.set(id, { body, etag });
        write("put", key, by);
        return new Response(null, { headers: { etag } });
      }
      if (request.method === "DELETE") {
        if (objects.delete(id)) write("delete", key, by);
        return new Response(null, { status: 204 });
      }
      return error(405, "MethodNotAllowed");
    },
  });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    objects,
    writes,
    unreachableFor,
    async close() {
      await server.stop(true);
    },
  };
}
