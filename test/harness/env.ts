/** Environment helpers for tests: set variables for a test and restore them after. */
import type { EnvVars } from "../../emulators/aws-env.ts";

/** Sets `vars` in process.env and returns a function that restores the previous values. */
export function setEnv(vars: EnvVars): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(vars)) {
    if (!previous.has(key)) previous.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** Runs `fn` with `vars` set, restoring the environment afterwards (also when `fn` throws or rejects). */
export async function withEnv<T>(vars: EnvVars, fn: () => T | Promise<T>): Promise<T> {
  const restore = setEnv(vars);
  try {
    return await fn();
  } finally {
    restore();
  }
}
