/**
 * Fake AWS Secrets Manager (AWS JSON 1.1: `POST /` with `X-Amz-Target: secretsmanager.<Operation>`),
 * enough for `GetSecretValue` by name or ARN. Point `AWS_ENDPOINT_URL_SECRETS_MANAGER` at `url`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CallLog, type LoopbackServer, listen, readBody, Script, type ScriptOptions, sleep } from "./http.ts";

/** One recorded request. */
export interface SecretsManagerCall {
  /** The operation from X-Amz-Target, e.g. "GetSecretValue". */
  operation: string;
  /** The SecretId asked for (name or ARN). */
  secretId: string | undefined;
  /** The parsed JSON body. */
  input: Record<string, unknown>;
  at: number;
}

/** A scripted error answer. */
export interface SecretsManagerError {
  /** The error type, e.g. "InternalServiceError", "AccessDeniedException", "ThrottlingException". */
  type: string;
  message?: string;
  /** HTTP status (default 500 for InternalServiceError, else 400). */
  status?: number;
  delayMs?: number;
}

/** Options for {@link startSecretsManager}. */
export interface SecretsManagerOptions {
  /** Secrets keyed by name or full ARN; objects are served as JSON `SecretString`. */
  secrets?: Record<string, object | string>;
  /** Region and account for generated ARNs (default us-east-1 / 123456789012). */
  region?: string;
  accountId?: string;
}

/** A stored secret. */
export interface StoredSecret {
  name: string;
  arn: string;
  value: string;
  versionId: string;
  createdDate: number;
}

/** A running fake Secrets Manager. */
export interface FakeSecretsManager {
  /** Endpoint for `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly url: string;
  /** Every request, in order. */
  readonly calls: readonly SecretsManagerCall[];
  /** Number of GetSecretValue calls (optionally for one secret, by name or ARN). */
  callCount(secretId?: string): number;
  /** The ARN the fake gives a secret (to use as `SECRET_ARN`). */
  arnOf(nameOrArn: string): string;
  /** Adds or replaces a secret (a new version). */
  setSecret(nameOrArn: string, value: object | string): StoredSecret;
  /** Queues an error for the next GetSecretValue (or the next `times` matching ones). */
  fail(error: SecretsManagerError, options?: ScriptOptions<SecretsManagerCall>): void;
  /** Clears calls and scripted errors (secrets stay). */
  reset(): void;
  readonly errors: readonly unknown[];
  close(): Promise<void>;
}

const ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[^:]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/;

/** Starts a fake Secrets Manager on 127.0.0.1. */
export async function startSecretsManager(options: SecretsManagerOptions = {}): Promise<FakeSecretsManager> {
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "123456789012";
  const secrets = new Map<string, StoredSecret>();
  const log = new CallLog<SecretsManagerCall>();
  const scripted = new Script<SecretsManagerCall, SecretsManagerError>();
  const errors: unknown[] = [];

  const find = (id: string): StoredSecret | undefined => {
    const byName = secrets.get(id);
    if (byName) return byName;
    for (const secret of secrets.values()) if (secret.arn === id) return secret;
    // Partial ARN (without the random suffix) is accepted by the real service too.
    for (const secret of secrets.values()) if (secret.arn.slice(0, -7) === id) return secret;
    return undefined;
  };

  const setSecret = (nameOrArn: string, value: object | string): StoredSecret => {
    const arnMatch = ARN_PATTERN.exec(nameOrArn);
    const name = arnMatch ? (arnMatch[1] as string) : nameOrArn;
    const existing = secrets.get(name);
    const stored: StoredSecret = {
      name,
      arn: arnMatch
        ? nameOrArn
        : (existing?.arn ?? `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix()}`),
      value: typeof value === "string" ? value : JSON.stringify(value),
      versionId: crypto.randomUUID(),
      createdDate: Date.now() / 1000,
    };
    secrets.set(name, stored);
    return stored;
  };
  for (const [key, value] of Object.entries(options.secrets ?? {})) setSecret(key, value);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith("secretsmanager.") ? target.slice("secretsmanager.".length) : target;
    let input: Record<string, unknown> = {};
    try {
      const parsed: unknown = body.length > 0 ? JSON.parse(body.toString("utf8")) : {};
      if (typeof parsed === "object" && parsed !== null) input = parsed as Record<string, unknown>;
    } catch {
      sendAwsError(res, 400, "SerializationException", "Malformed JSON body");
      return;
    }
    const secretId = typeof input.SecretId === "string" ? input.SecretId : undefined;
    const call: SecretsManagerCall = { operation, secretId, input, at: Date.now() };
    log.push(call);

    if (req.method !== "POST" || operation !== "GetSecretValue") {
      sendAwsError(res, 400, "UnknownOperationException", `Unsupported operation ${target || "(none)"}`);
      return;
    }
    const error = scripted.take(call);
    if (error) {
      if (error.delayMs) await sleep(error.delayMs);
      const status = error.status ?? (error.type === "InternalServiceError" ? 500 : 400);
      sendAwsError(res, status, error.type, error.message ?? `${error.type} (fake Secrets Manager)`);
      return;
    }
    if (!secretId) {
      sendAwsError(res, 400, "InvalidParameterException", "You must provide a SecretId.");
      return;
    }
    const secret = find(secretId);
    if (!secret) {
      sendAwsError(res, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
      return;
    }
    sendAwsJson(res, 200, {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ["AWSCURRENT"],
      CreatedDate: secret.createdDate,
    });
  };

  const server: LoopbackServer = await listen(handle, (error) => errors.push(error));
  return {
    url: server.url,
    get calls() {
      return log.items;
    },
    callCount(secretId) {
      const wanted = secretId === undefined ? undefined : find(secretId);
      return log.items.filter(
        (c) =>
          c.operation === "GetSecretValue" &&
          (secretId === undefined ||
            c.secretId === secretId ||
            (wanted && find(c.secretId ?? "") === wanted)),
      ).length;
    },
    arnOf(nameOrArn) {
      const secret = find(nameOrArn);
      if (!secret) throw new Error(`fake Secrets Manager has no secret ${nameOrArn}`);
      return secret.arn;
    },
    setSecret,
    fail: (error, scriptOptions) => scripted.push(error, scriptOptions),
    reset() {
      log.clear();
      scripted.reset();
    },
    errors,
    close: () => server.close(),
  };
}

function suffix(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (let i = 0; i < 6; i += 1) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

function sendAwsJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": String(Buffer.byteLength(text)),
    "x-amzn-requestid": crypto.randomUUID(),
    ...headers,
  });
  res.end(text);
}

/** AWS JSON 1.1 error: `__type` in the body (and the header the SDK also reads). */
function sendAwsError(res: ServerResponse, status: number, type: string, message: string): void {
  sendAwsJson(res, status, { __type: type, Message: message }, { "x-amzn-errortype": type });
}
