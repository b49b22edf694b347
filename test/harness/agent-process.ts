/** Helpers for tests that run an agent as a child process on loopback. */
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** A free loopback port (agent servers take a port number, not 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Resolves once `GET /ping` answers 200 (the test's timeout bounds the wait); rejects if the agent exits. */
export async function untilHealthy(url: string, agent: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    const ok = await fetch(`${url}/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (agent.exitCode !== null) throw new Error(`the agent exited:\n${output()}`);
    await Bun.sleep(50);
  }
}
