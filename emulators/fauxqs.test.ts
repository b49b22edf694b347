/**
 * The embedded SQS/S3 stays on this computer: bound to 127.0.0.1, and only requests naming loopback
 * in their Host header are served (a DNS-rebinding web page sends its own name).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Server } from "node:http";
import { nonLoopbackAddress, rawHttp } from "../test/harness/raw-http.ts";
import { startLoopbackFauxqs } from "./fauxqs.ts";

const listen = Server.prototype.listen;
let servers: Awaited<ReturnType<typeof startLoopbackFauxqs>>[];

beforeAll(async () => {
  // Started at once: each is wrapped on its own, and the wrapper is gone afterwards.
  servers = await Promise.all([1, 2, 3].map(() => startLoopbackFauxqs({ port: 0, logger: false })));
});
afterAll(() => Promise.all(servers.map((s) => s.stop())));

describe("startLoopbackFauxqs", () => {
  test("binds 127.0.0.1 and leaves http.Server#listen as it was", () => {
    for (const server of servers) expect(server.address).toStartWith("http://127.0.0.1:");
    expect(Server.prototype.listen).toBe(listen);
  });

  const other = nonLoopbackAddress();
  test.skipIf(other === undefined)(
    `a connection to this machine's other address (${other}) is refused`,
    async () => {
      const [server] = servers;
      expect(await rawHttp({ port: server?.port ?? 0, address: other, path: "/_fauxqs/queues" })).toEqual({
        error: "ECONNREFUSED",
      });
    },
  );

  test("a request naming another host is refused; loopback names are served", async () => {
    const port = servers[0]?.port ?? 0;
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      "localhost",
      `sqs.us-east-1.evil:${port}`,
    ]) {
      expect(await rawHttp({ port, path: "/_fauxqs/queues", headers: { host } })).toMatchObject({
        status: 403,
      });
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect(await rawHttp({ port, path: "/_fauxqs/queues", headers: { host } })).toMatchObject({
        status: 200,
      });
    }
  });
});
