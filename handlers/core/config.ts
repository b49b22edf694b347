import { ConfigError } from "./errors.ts";

/**
 * Configuration from environment variables, read once per warm container and checked with an
 * error that names the variable and the fix.
 */

/** A required variable; throws a ConfigError naming it when it is missing or empty. */
export function requiredEnv(name: string, hint = "set it in the function's environment"): string {
  const value = process.env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set: ${hint}`);
  return value;
}

/** An optional variable with a default. */
export function optionalEnv(name: string, fallback: string): string {
  const value = process.env[name]?.trim();
  return value ? value : fallback;
}

/** A whole number within [min, max], or the default when unset. */
export function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
  }
  return value;
}

/** `true`/`1`/`yes` → true, `false`/`0`/`no` → false, unset → `fallback` (false); anything else is an error. */
export function boolEnv(name: string, fallback = false): boolean {
  const raw = process.env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === "false" || raw === "0" || raw === "no") return false;
  if (raw === "true" || raw === "1" || raw === "yes") return true;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a boolean (true or false)`);
}
