/**
 * The container health check: `bun dist/healthcheck.js` (the image's HEALTHCHECK; modules/relay puts the
 * same command in the ECS task definition). It asks the relay's own GET /health over loopback and exits
 * 0 when the relay is well or waiting for a person — pairing, or unlinked and waiting for a re-pair:
 * a restart cannot help there, and restarting in a loop would only show new QR codes — and 1 when a
 * restart may help: a connection failed (a WhatsApp session replaced by another login, a Discord token
 * refused), is stuck connecting past the check's retries, or the relay does not answer. ECS then
 * replaces the task.
 */
import * as v from "valibot";
import { restartMayHelp } from "./connections.ts";

const HealthSchema = v.object({
  connections: v.record(v.string(), v.object({ state: v.string() })),
});

/** Whether the relay answering at `url` needs no restart (exit code 0) or may be helped by one (1). */
export async function healthCheck(url: string, timeoutMs = 3_000): Promise<0 | 1> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = v.safeParse(HealthSchema, await response.json());
    if (!body.success) return 1;
    return restartMayHelp(Object.values(body.output.connections).map((c) => c.state)) ? 1 : 0;
  } catch {
    return 1;
  }
}

/** The health endpoint's URL, from PORT and HEALTH_HOST as the relay reads them. */
export function healthUrl(env: Record<string, string | undefined> = process.env): string {
  const host = env.HEALTH_HOST?.trim();
  const loopback = !host || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${loopback.includes(":") ? `[${loopback}]` : loopback}:${env.PORT?.trim() || "8080"}/health`;
}

if (import.meta.main) process.exit(await healthCheck(healthUrl()));
