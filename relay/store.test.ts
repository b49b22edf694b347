import { afterAll, expect, test } from "bun:test";
import { S3Client } from "@aws-sdk/client-s3";
import { s3Store, serverSideEncryption } from "./store.ts";

/** What a loopback S3 was asked to encrypt each object with (the x-amz-server-side-encryption header). */
const asked = new Map<string, string | null>();
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    const key = decodeURIComponent(new URL(request.url).pathname.split("/").slice(2).join("/"));
    asked.set(key, request.headers.get("x-amz-server-side-encryption"));
    return new Response(null, { status: 200, headers: { etag: '"1"' } });
  },
});
afterAll(() => server.stop(true));

const store = s3Store(
  "state",
  new S3Client({
    endpoint: `http://127.0.0.1:${server.port}`,
    forcePathStyle: true,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: { accessKeyId: "relay", secretAccessKey: "secret" },
  }),
);

test("the pairing QR code is written with SSE-S3, so operators can read it; the state takes the bucket's KMS key", async () => {
  await store.put("whatsapp-personal/pairing-qr.png", new Uint8Array([137, 80, 78, 71]), "image/png");
  await store.put("whatsapp-personal/creds.json", "{}", "application/json");
  await store.writeIf("lease.json", "{}", undefined);
  expect(Object.fromEntries(asked)).toEqual({
    "whatsapp-personal/pairing-qr.png": "AES256",
    "whatsapp-personal/creds.json": null,
    "lease.json": null,
  });
});

test("only images are for people", () => {
  expect(serverSideEncryption("image/png")).toEqual({ ServerSideEncryption: "AES256" });
  expect(serverSideEncryption("application/json")).toEqual({});
});
