import { DataAwsSecretsmanagerSecretVersions } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-versions";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
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
  /** Raw Terraform expression of the JSON stored when the secret is created, e.g. `jsonencode({ bot_token = var.bot_token })`. */
  readonly secretString: string;
  /** Raw Terraform expression of the recovery window, in days (0 or 7–30), e.g. `var.secret_recovery_window_in_days`. */
  readonly recoveryWindowInDays: string;
  /** Checks on the created secret's value (raw conditions), e.g. that the token was given. */
  readonly preconditions?: readonly VariableValidation[];
  readonly tags?: Record<string, string>;
}

/**
 * A channel's credentials in Secrets Manager: created (secret + version) when `existingSecretArn` is null,
 * otherwise the given one. Exposes `secretArn` and `versionId` (the `AWSCURRENT` version, read from the
 * version list, never the value) so setup steps can re-run when the credentials change.
 *
 * Terraform names: `aws_secretsmanager_secret.<terraformName>`, `aws_secretsmanager_secret_version.<terraformName>`,
 * `data.aws_secretsmanager_secret_versions.<terraformName>`, `local.secret_arn`, `local.secret_version_id`.
 */
export class ChannelSecret extends Construct {
  /** ARN of the created or given secret. */
  readonly secretArn: string;
  /** Version id of the secret's current value. */
  readonly versionId: string;
  /** Raw Terraform count expression: 1 when the module creates the secret. */
  readonly createCount: string;
  readonly version: SecretsmanagerSecretVersion;

  constructor(scope: Construct, id: string, props: ChannelSecretProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    this.createCount = `${props.existingSecretArn} == null ? 1 : 0`;
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
        secretString: tfString(props.secretString),
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

    const versions = named(
      new DataAwsSecretsmanagerSecretVersions(this, "Versions", {
        secretId: this.secretArn,
        dependsOn: [this.version],
      }),
      tfName,
    );
    this.versionId = local(
      this,
      logicalName(tfName, "secret_version_id"),
      `one([for v in ${addr(versions)}.versions : v.version_id if contains(v.version_stages, "AWSCURRENT")])`,
    ).asString;
  }
}
