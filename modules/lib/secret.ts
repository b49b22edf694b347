import { DataAwsSecretsmanagerSecretVersions } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-versions";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { DataResource } from "cdktf";
import { Construct } from "constructs";
import {
  addr,
  baseName,
  local,
  logicalName,
  named,
  type TerraformNameProps,
  tfNumber,
  tfString,
  type VariableValidation,
} from "./expr.ts";

export interface ChannelSecretProps extends TerraformNameProps {
  /** Prefix of the created secret's name (AWS appends a unique suffix, so a re-create never waits for the recovery window). */
  readonly namePrefix: string;
  readonly description: string;
  /**
   * Raw Terraform expression of an existing secret's ARN, or null to create one, e.g. `var.secret_arn`.
   * Must be known at plan time (it decides what is created).
   */
  readonly existingSecretArn: string;
  /**
   * The credentials stored when the secret is created: JSON key → raw Terraform expression, e.g.
   * `{ bot_token: "var.bot_token" }` (none for a channel without credentials). The secret also gets a
   * generated `session_key`. Written through the write-only `secret_string_wo`, so neither the plan nor
   * the state holds them.
   */
  readonly values: Readonly<Record<string, string>>;
  /** Raw Terraform expression of the recovery window, in days (0 or 7–30), e.g. `var.secret_recovery_window_in_days`. */
  readonly recoveryWindowInDays: string;
  /** Checks on the created secret's value (raw conditions), e.g. that the token was given. */
  readonly preconditions?: readonly VariableValidation[];
  readonly tags?: Record<string, string>;
}

/**
 * The `secret_string_wo_version` of a value: a 48-bit fingerprint of it (the first 12 hex digits of its
 * SHA-256), so a change of the credentials writes a new version by itself while the state keeps only
 * this number, never the credentials.
 */
export function writeOnlyVersion(secretString: string): string {
  return `parseint(substr(sha256(${secretString}), 0, 12), 16)`;
}

/**
 * The `session_key` of a created secret (the key the worker derives agent session ids with: 32–512 visible
 * characters, handlers/core/agent/session.ts): 64 hex digits from two random UUIDs, made once. `uuid()`
 * gives a new value at every plan, so `ignore_changes` keeps the first; the key is kept in the state (a
 * `terraform_data` output, marked sensitive) and never derived from the credentials, which a rotation
 * would change and with them every chat's agent session.
 */
export const SESSION_KEY_EXPRESSION = 'sensitive(replace(join("", [uuid(), uuid()]), "-", ""))';

/**
 * A channel's credentials in Secrets Manager: created (secret + version) when `existingSecretArn` is null,
 * otherwise the given one. The value (the credentials and a generated `session_key`) goes through the
 * write-only `secret_string_wo` (Terraform >= 1.11), its `secret_string_wo_version` a fingerprint of the
 * value, so the state never holds the credentials; the session key, made once, stays the same from plan
 * to plan, so the secret changes only when the credentials do.
 * Exposes `secretArn` and, on first use, `versionId` (the `AWSCURRENT` version, read from the version list,
 * never the value) so setup steps can re-run when the credentials change.
 *
 * Terraform names: `aws_secretsmanager_secret.<terraformName>`, `aws_secretsmanager_secret_version.<terraformName>`,
 * `terraform_data.session_key`, `local.secret_arn` (names of `terraformName` "this"; others are prefixed
 * with it); with `versionId`, `data.aws_secretsmanager_secret_versions.<terraformName>`
 * and `local.secret_version_id`.
 */
export class ChannelSecret extends Construct {
  /** ARN of the created or given secret. */
  readonly secretArn: string;
  /** Raw Terraform count expression: 1 when the module creates the secret. */
  readonly createCount: string;
  readonly version: SecretsmanagerSecretVersion;
  private readonly tfName: string;
  private currentVersionId?: string;

  constructor(scope: Construct, id: string, props: ChannelSecretProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    this.tfName = tfName;
    this.createCount = `${props.existingSecretArn} == null ? 1 : 0`;
    const sessionKey = named(
      new DataResource(this, "SessionKey", {
        count: tfNumber(this.createCount),
        lifecycle: { ignoreChanges: ["input"] },
      }),
      logicalName(tfName, "session_key"),
    );
    sessionKey.addOverride("input", `\${${SESSION_KEY_EXPRESSION}}`);
    // Written out in the version itself, not in a local: a local is evaluated even when nothing is created
    // (a given secret, no credentials), and before the precondition that says what is missing.
    const values = { ...props.values, session_key: `${addr(sessionKey)}[0].output` };
    const secretString = `jsonencode({ ${Object.entries(values)
      .map(([key, value]) => `${key} = ${value}`)
      .join(", ")} })`;
    const secret = named(
      new SecretsmanagerSecret(this, "Secret", {
        count: tfNumber(this.createCount),
        namePrefix: props.namePrefix,
        description: props.description,
        recoveryWindowInDays: tfNumber(props.recoveryWindowInDays),
        tags: props.tags,
      }),
      tfName,
    );
    this.version = named(
      new SecretsmanagerSecretVersion(this, "Version", {
        count: tfNumber(this.createCount),
        secretId: tfString(`${addr(secret)}[0].id`),
        secretStringWo: tfString(secretString),
        secretStringWoVersion: tfNumber(writeOnlyVersion(secretString)),
        lifecycle: props.preconditions
          ? {
              precondition: props.preconditions.map((p) => ({
                condition: `\${${p.condition}}`,
                errorMessage: p.errorMessage,
              })),
            }
          : undefined,
      }),
      tfName,
    );
    this.secretArn = local(
      this,
      logicalName(tfName, "secret_arn"),
      `${props.existingSecretArn} == null ? ${addr(secret)}[0].arn : ${props.existingSecretArn}`,
    ).asString;
  }

  /** Version id of the secret's current value (created or given); declares what reads it on first use. */
  get versionId(): string {
    if (this.currentVersionId === undefined) {
      const versions = named(
        new DataAwsSecretsmanagerSecretVersions(this, "Versions", {
          secretId: this.secretArn,
          dependsOn: [this.version],
        }),
        this.tfName,
      );
      this.currentVersionId = local(
        this,
        logicalName(this.tfName, "secret_version_id"),
        `one([for v in ${addr(versions)}.versions : v.version_id if contains(v.version_stages, "AWSCURRENT")])`,
      ).asString;
    }
    return this.currentVersionId;
  }
}
