import type { Connections } from "./connections.ts";

/**
 * GET /health: 200 when every enabled connection is ready, 503 otherwise (so ECS, a load balancer or
 * a person sees at once that the bot is deaf), with each connection's state as JSON. Nothing else is
 * served.
 */
export function healthHandler(connections: Connections): (request: Request) => Response {
  return (request) => {
    const { pathname } = new URL(request.url);
    if (pathname !== "/health") return new Response("not found", { status: 404 });
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const healthy = connections.healthy;
    return Response.json(
      { status: healthy ? "ok" : "unavailable", connections: connections.snapshot() },
      { status: healthy ? 200 : 503, headers: { "cache-control": "no-store" } },
    );
  };
}
