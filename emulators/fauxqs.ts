/**
 * fauxqs, on this computer only. fauxqs 2.4 listens on 0.0.0.0 whatever it is told: `startFauxqs` has
 * no listen-address option (its `host` only names queue URLs), so anyone on the network could queue an
 * envelope claiming an allowed user. While it starts, `http.Server#listen` is wrapped: the server it
 * opens binds 127.0.0.1, and refuses (403) every request whose Host header is not this machine's
 * loopback name — a web page that rebinds its DNS name to 127.0.0.1 sends its own. Starts are
 * serialized so the wrapper is in place for exactly one start at a time, and the address fauxqs
 * reports is checked afterwards: should a later fauxqs listen some other way, starting fails loudly.
 */
import { type IncomingMessage, Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type FauxqsServer, startFauxqs } from "fauxqs";
import { isLoopbackAddress, loopbackHosts } from "./loopback.ts";

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

let starting: Promise<unknown> = Promise.resolve();

/** Starts fauxqs bound to 127.0.0.1, answering loopback Host names only. */
export function startLoopbackFauxqs(options: Parameters<typeof startFauxqs>[0] = {}): Promise<FauxqsServer> {
  const start = async () => {
    const listen = Server.prototype.listen;
    Server.prototype.listen = function (this: Server, ...args: unknown[]) {
      const [first] = args;
      if (typeof first === "object" && first !== null && "host" in first) {
        args[0] = { ...first, host: "127.0.0.1" };
        guardHost(this);
      }
      return (listen as (...a: unknown[]) => Server).apply(this, args);
    } as typeof listen;
    let server: FauxqsServer;
    try {
      server = await startFauxqs(options);
    } finally {
      Server.prototype.listen = listen;
    }
    if (!isLoopbackAddress(new URL(server.address).hostname)) {
      await server.stop();
      throw new Error(`fauxqs listens on ${server.address}, not on 127.0.0.1 only: see emulators/fauxqs.ts`);
    }
    return server;
  };
  const started = starting.then(start, start);
  starting = started.catch(() => undefined);
  return started;
}

/** Puts a Host and peer check in front of the server's request handlers. */
function guardHost(server: Server): void {
  const handlers = server.listeners("request") as Listener[];
  server.removeAllListeners("request");
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const { port } = server.address() as AddressInfo;
    if (
      !isLoopbackAddress(request.socket.remoteAddress) ||
      !loopbackHosts(port).has(request.headers.host ?? "")
    ) {
      response.writeHead(403, { "content-type": "text/plain" }).end("local requests only\n");
      return;
    }
    for (const handler of handlers) handler.call(server, request, response);
  });
}
