import { afterAll, beforeEach, expect, test } from "bun:test";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { startFakeS3 } from "./s3.ts";

const s3 = startFakeS3();
afterAll(() => s3.close());
beforeEach(() => {
  s3.objects.clear();
  s3.writes.length = 0;
  s3.unreachableFor.clear();
});

/** A real S3 client signing as `who`, path-style, one attempt. */
const client = (who: string) =>
  new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: { accessKeyId: who, secretAccessKey: "secret" },
  });
const Bucket = "state";
const status = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

test("conditional writes: create only once, replace only the version seen; 412 otherwise", async () => {
  const a = client("relay-a");
  const created = await a.send(
    new PutObjectCommand({ Bucket, Key: "lease.json", Body: "a", IfNoneMatch: "*" }),
  );
  const again = a.send(new PutObjectCommand({ Bucket, Key: "lease.json", Body: "a2", IfNoneMatch: "*" }));
  expect(await again.then(() => 200, status)).toBe(412);

  const replaced = await a.send(
    new PutObjectCommand({ Bucket, Key: "lease.json", Body: "b", IfMatch: created.ETag }),
  );
  expect(replaced.ETag).not.toBe(created.ETag);
  const stale = a.send(new PutObjectCommand({ Bucket, Key: "lease.json", Body: "c", IfMatch: created.ETag }));
  expect(await stale.then(() => 200, status)).toBe(412);

  const read = await a.send(new GetObjectCommand({ Bucket, Key: "lease.json" }));
  expect(await read.Body?.transformToString()).toBe("b");
  expect(read.ETag).toBe(replaced.ETag);
  expect(s3.writes.map((w) => [w.op, w.key, w.by])).toEqual([
    ["put", "lease.json", "relay-a"],
    ["put", "lease.json", "relay-a"],
  ]);
});

test("list, delete and delete many; the log names who signed; a client can be cut off", async () => {
  const a = client("relay-a");
  const b = client("relay-b");
  for (const Key of ["p/one", "p/two", "q/three"])
    await a.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
  const listed = await b.send(new ListObjectsV2Command({ Bucket, Prefix: "p/" }));
  expect(listed.Contents?.map((c) => c.Key)).toEqual(["p/one", "p/two"]);

  await b.send(new DeleteObjectCommand({ Bucket, Key: "q/three" }));
  await b.send(
    new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: "p/one" }, { Key: "p/two" }] } }),
  );
  expect([...s3.objects.keys()]).toEqual([]);
  expect(s3.writes.filter((w) => w.op === "delete").map((w) => [w.key, w.by])).toEqual([
    ["q/three", "relay-b"],
    ["p/one", "relay-b"],
    ["p/two", "relay-b"],
  ]);
  const missing = b.send(new GetObjectCommand({ Bucket, Key: "p/one" }));
  expect(await missing.then(() => 200, status)).toBe(404);

  s3.unreachableFor.add("relay-b");
  const cutOff = b.send(new PutObjectCommand({ Bucket, Key: "x", Body: "x" }));
  expect(await cutOff.then(() => 200, status)).toBe(503);
  await a.send(new PutObjectCommand({ Bucket, Key: "x", Body: "x" }));
  expect(s3.writes.at(-1)).toMatchObject({ op: "put", key: "x", by: "relay-a" });
});
