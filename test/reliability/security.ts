/**
 * Security checks over the generated Terraform modules (their configuration as Terraform JSON, what the
 * generated modules/<name>/*.tf hold; a module given as *.tf.json is read as it is): IAM actions and
 * resources (no wildcard action; a wildcard resource only where AWS requires one, each with its
 * reason), encryption at rest of queues, secrets, tables, buckets and logs, the KMS keys a module makes
 * (rotated, used only by the principals they name) and the read guards of the buckets under them
 * (security-keys.ts), sensitive inputs, and no secret in a function's environment.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { MODULES, moduleConfigOf } from "../../scripts/synth.ts";
import { bucketsOf, type KeyFigure, keyPolicyDocuments, keysOf } from "./security-keys.ts";
import { type Statement, statementsOf } from "./security-policies.ts";

/** A wildcard that is allowed, and why. */
export interface Exception {
  readonly module: string;
  readonly where: string;
  readonly value: string;
  readonly reason: string;
}

/** The figures of the security checks. */
export interface SecurityFigures {
  readonly modules: readonly string[];
  readonly statements: number;
  readonly wildcardActions: readonly string[];
  /** `*` or partial wildcards with no known reason. */
  readonly unexplainedWildcards: readonly string[];
  /** Wildcards that are required or scoped to the module's own resources, with the reason. */
  readonly exceptions: readonly Exception[];
  /** Resources holding data at rest, and how each is encrypted. */
  readonly encryption: readonly { module: string; resource: string; how: string; ok: boolean }[];
  /** The KMS keys the modules make, and who may use each. */
  readonly keys: readonly KeyFigure[];
  readonly insensitiveSecretInputs: readonly string[];
  readonly secretsInEnvironment: readonly string[];
  /** Every finding that fails the checks. */
  readonly problems: readonly string[];
}

/** Actions AWS authorizes only on Resource "*" (no resource-level permissions). */
const STAR_ONLY: Record<string, string> = {
  "ecr:GetAuthorizationToken": "GetAuthorizationToken has no resource-level permissions: AWS requires *",
  "xray:PutTraceSegments": "X-Ray has no resource-level permissions: AWS requires *",
  "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions: AWS requires *",
  "cloudwatch:PutMetricData": "PutMetricData has no resource-level permissions: AWS requires *",
};

/** Partial wildcards scoped to the module's own resources, by pattern. */
const SCOPED: readonly [RegExp, string][] = [
  [/log_group\.[\w-]+\.arn\}:\*$/, "the log streams of the function's own log group (named at run time)"],
  [/execution_arn\}\/\*\/(GET|POST)\/[\w/-]+$/, "any stage of the module's own HTTP API, one route"],
  [
    /s3_bucket\.[\w-]+(\[0\])?\.arn\}\/([\w-]+\/)*\*$/,
    "the objects (under one prefix) of the module's own bucket",
  ],
  [
    /var\.whatsapp_personal\.media_bucket_arn\}\/relay\/whatsapp-personal\/\*$/,
    "the objects under the relay's own prefix of the WhatsApp-personal module's media bucket (WhatsApp personal's files)",
  ],
];

type Json = Record<string, unknown>;
const entries = (value: unknown): [string, Json][] => Object.entries((value ?? {}) as Record<string, Json>);

/** How each resource that holds data at rest is encrypted. */
function encryptionOf(module: string, main: Json): SecurityFigures["encryption"] {
  const resources = (main.resource ?? {}) as Json;
  const out: { module: string; resource: string; how: string; ok: boolean }[] = [];
  for (const [name, queue] of entries(resources.aws_sqs_queue)) {
    const kms = queue.kms_master_key_id !== undefined;
    const sse = queue.sqs_managed_sse_enabled === true;
    out.push({
      module,
      resource: `aws_sqs_queue.${name}`,
      how: kms ? "SSE-KMS" : sse ? "SSE-SQS (sqs_managed_sse_enabled)" : "none",
      ok: kms || sse,
    });
  }
  for (const [name, secret] of entries(resources.aws_secretsmanager_secret)) {
    out.push({
      module,
      resource: `aws_secretsmanager_secret.${name}`,
      how: secret.kms_key_id
        ? "KMS (customer key)"
        : "KMS (aws/secretsmanager; Secrets Manager always encrypts)",
      ok: true,
    });
  }
  for (const [name, table] of entries(resources.aws_dynamodb_table)) {
    const sse = table.server_side_encryption as Json | undefined;
    out.push({
      module,
      resource: `aws_dynamodb_table.${name}`,
      how: sse?.enabled ? "KMS (server_side_encryption)" : "AWS owned key (DynamoDB always encrypts)",
      ok: true,
    });
  }
  for (const [name, group] of entries(resources.aws_cloudwatch_log_group)) {
    out.push({
      module,
      resource: `aws_cloudwatch_log_group.${name}`,
      how: group.kms_key_id ? "KMS (customer key)" : "CloudWatch Logs service key (always encrypted)",
      ok: true,
    });
  }
  return out;
}

/** Runs every check over the modules in `root`/modules. */
export async function checkModules(root = "."): Promise<SecurityFigures> {
  const modules: string[] = [];
  const statements: Statement[] = [];
  const encryption: SecurityFigures["encryption"][number][] = [];
  const keys: KeyFigure[] = [];
  const keyPolicies = new Set<string>();
  const insensitive: string[] = [];
  const envSecrets: string[] = [];
  for (const entry of await readdir(join(root, "modules"), { withFileTypes: true })) {
    const dir = join(root, "modules", entry.name);
    const generated = MODULES.some((m) => m.name === entry.name) ? moduleConfigOf(entry.name) : undefined;
    const main =
      generated ??
      (await readFile(join(dir, "main.tf.json"), "utf8").then(
        (text) => JSON.parse(text) as Json,
        () => undefined,
      ));
    if (!entry.isDirectory() || !main) continue;
    modules.push(entry.name);
    const own = statementsOf(entry.name, main);
    statements.push(...own);
    const ownKeys = keysOf(entry.name, main, own);
    keys.push(...ownKeys);
    encryption.push(...encryptionOf(entry.name, main), ...bucketsOf(entry.name, main, own, ownKeys));
    for (const doc of keyPolicyDocuments(main)) keyPolicies.add(`${entry.name}: ${doc}`);
    const variables =
      (generated?.variable as Json | undefined) ??
      (await readFile(join(dir, "variables.tf.json"), "utf8").then(
        (text) => (JSON.parse(text) as Json).variable as Json,
        () => ({}) as Json,
      ));
    for (const [name, variable] of entries(variables)) {
      if (
        /token|secret|password|private/i.test(name) &&
        !/_(arn|days|id|name)$/.test(name) &&
        variable.sensitive !== true
      ) {
        insensitive.push(`${entry.name}: variable ${name}`);
      }
    }
    const functions = ((main.resource ?? {}) as Json).aws_lambda_function;
    for (const [name, fn] of entries(functions)) {
      const variables = ((fn.environment ?? {}) as Json).variables as Json | undefined;
      for (const key of Object.keys(variables ?? {})) {
        if (/TOKEN|SECRET|PASSWORD|PRIVATE/.test(key) && key !== "SECRET_ARN")
          envSecrets.push(`${entry.name}: ${name}.${key}`);
      }
    }
  }

  const wildcardActions: string[] = [];
  const unexplained: string[] = [];
  const exceptions: Exception[] = [];
  for (const s of statements) {
    const label = `${s.module}: ${s.where}`;
    if (s.actions.some((a) => a.startsWith("NOT ")) || s.resources.some((r) => r.startsWith("NOT "))) {
      unexplained.push(`${label}: NotAction/NotResource`);
    }
    if (s.effect !== "Allow") {
      // A Deny narrows access; its wildcards (deny everything over plain HTTP) are the point.
      for (const value of [...s.actions, ...s.resources].filter((v) => v.includes("*"))) {
        exceptions.push({
          module: s.module,
          where: s.where,
          value,
          reason: "in a Deny statement (narrows access)",
        });
      }
      continue;
    }
    for (const action of s.actions) if (action.includes("*")) wildcardActions.push(`${label}: ${action}`);
    for (const resource of s.resources.filter((r) => r.includes("*"))) {
      if (resource === "*" && keyPolicies.has(`${s.module}: ${s.where}`)) {
        exceptions.push({
          module: s.module,
          where: s.where,
          value: "*",
          reason: "a key policy's resource: the key itself",
        });
        continue;
      }
      if (resource === "*") {
        const reasons = s.actions.map((a) => STAR_ONLY[a]);
        if (reasons.every((r) => r !== undefined)) {
          exceptions.push({
            module: s.module,
            where: s.where,
            value: `* for ${s.actions.join(", ")}`,
            reason: reasons[0] as string,
          });
        } else unexplained.push(`${label}: Resource * for ${s.actions.join(", ")}`);
        continue;
      }
      const scoped = SCOPED.find(([pattern]) => pattern.test(resource));
      if (scoped) exceptions.push({ module: s.module, where: s.where, value: resource, reason: scoped[1] });
      else unexplained.push(`${label}: ${resource}`);
    }
  }
  const problems = [
    ...wildcardActions.map((w) => `wildcard action: ${w}`),
    ...unexplained.map((w) => `unexplained wildcard: ${w}`),
    ...encryption
      .filter((e) => !e.ok)
      .map((e) => `not encrypted at rest as it must be: ${e.module}: ${e.resource} (${e.how})`),
    ...keys.flatMap((k) => k.problems.map((p) => `KMS key ${k.module}: ${k.resource}: ${p}`)),
    ...insensitive.map((v) => `secret input not sensitive: ${v}`),
    ...envSecrets.map((v) => `secret in a function environment: ${v}`),
  ];
  return {
    modules,
    statements: statements.length,
    wildcardActions,
    unexplainedWildcards: unexplained,
    exceptions,
    encryption,
    keys,
    insensitiveSecretInputs: insensitive,
    secretsInEnvironment: envSecrets,
    problems,
  };
}
