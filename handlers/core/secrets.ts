import * as v from "valibot";
import { getSecretValue } from "./aws/secrets-manager.ts";
import { requiredEnv } from "./config.ts";
import { ConfigError, RelayError } from "./errors.ts";
import { lazyAsync } from "./lazy.ts";

/** Secrets Manager could not be read (network, throttling, permissions): retry later. */
export class SecretError extends RelayError {
  override name = "SecretError";
  constructor(cause: unknown) {
    super("could not read the channel secret", { retryable: true, cause });
  }
}

/**
 * A loader for the channel's secret (the JSON in `SECRET_ARN`), fetched once per warm container
 * (GetSecretValue through the lean client, handlers/core/aws/, with the function's credentials)
 * and validated with `schema`. A failed fetch is not cached, so the next call tries again.
 * Error messages name the bad keys, never their values.
 * @example const secret = secretLoader(v.object({ bot_token: v.string() })); (await secret()).bot_token
 */
export function secretLoader<T>(schema: v.GenericSchema<unknown, T>): SecretLoader<T> {
  let loadedAt = 0;
  const get = lazyAsync(() => {
    loadedAt = Date.now();
    return load(schema);
  });
  const fresh = () => {
    get.reset();
    return get();
  };
  return Object.assign(() => get(), {
    fresh,
    staleAfter: (maxAgeMs: number) =>
      Date.now() - loadedAt >= maxAgeMs ? fresh() : Promise.resolve(undefined),
  });
}

/** The loader of a channel without credentials (the relay holds its session): no SECRET_ARN, no call. */
export const noSecret: SecretLoader<Record<string, never>> = Object.assign(async () => ({}), {
  fresh: async () => ({}),
  staleAfter: async () => undefined,
});

/**
 * The loader of a channel whose secret is optional (WhatsApp personal has no credentials; its secret,
 * when it has one, holds only the session key): `none` without SECRET_ARN, and no call.
 */
export function secretIfConfigured<T>(schema: v.GenericSchema<unknown, T>, none: T): SecretLoader<T> {
  const loader = secretLoader(schema);
  const configured = () => Boolean(process.env.SECRET_ARN?.trim());
  return Object.assign(() => (configured() ? loader() : Promise.resolve(none)), {
    fresh: () => (configured() ? loader.fresh() : Promise.resolve(none)),
    staleAfter: (maxAgeMs: number) =>
      configured() ? loader.staleAfter(maxAgeMs) : Promise.resolve(undefined),
  });
}

/**
 * The cached secret. `fresh()` reads it again (setup after the secret changed); `staleAfter(ms)`
 * reads it again only when the cached copy is at least that old, else resolves undefined.
 */
export type SecretLoader<T> = (() => Promise<T>) & {
  fresh(): Promise<T>;
  staleAfter(maxAgeMs: number): Promise<T | undefined>;
};

/** How often a failed check may make the ingress read the secret again (a rotated secret). */
export const SECRET_RECHECK_MS = 60_000;

/**
 * Checks a request against the channel's secret: `check` resolves to undefined when the request is
 * genuine, else to the problem. When it finds one and the cached secret is over a minute old, the secret
 * is read again and checked once more — so a rotated secret is picked up by warm containers, while
 * forged requests cannot make us call Secrets Manager more than once a minute.
 * @example verified(({ header }) => verifyWithSecret(secret, (s) => tokenProblem(header(HEADER), s.token)))
 */
export async function verifyWithSecret<T>(
  secret: SecretLoader<T>,
  check: (value: T) => string | undefined | Promise<string | undefined>,
): Promise<string | undefined> {
  const problem = await check(await secret());
  if (problem === undefined) return undefined;
  const newer = await secret.staleAfter(SECRET_RECHECK_MS);
  return newer === undefined ? problem : check(newer);
}

async function load<T>(schema: v.GenericSchema<unknown, T>): Promise<T> {
  const secretId = requiredEnv("SECRET_ARN", "set it to the ARN of the channel's Secrets Manager secret");
  let text: string | undefined;
  try {
    text = (await getSecretValue({ SecretId: secretId })).SecretString;
  } catch (error) {
    throw new SecretError(error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text ?? "");
  } catch {
    throw new ConfigError("the channel secret is not a JSON object: store it as a JSON object of keys");
  }
  const result = v.safeParse(schema, json);
  if (result.success) return result.output;
  const keys = new Set(result.issues.map((issue) => v.getDotPath(issue)).filter(Boolean));
  throw new ConfigError(`the channel secret lacks or has an invalid ${[...keys].join(", ") || "value"}`);
}
