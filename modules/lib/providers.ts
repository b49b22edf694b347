/**
 * Terraform and provider version constraints of every generated module, kept truthful by two checks:
 * `terraform validate` and `terraform test` plans run every module, example and the root against
 * hashicorp/aws 5.100 (test/terraform.test.ts), and the constructs compile against the prebuilt CDKTF
 * binding, generated from 6.x (`providers.test.ts` fails when a binding upgrade leaves the range).
 *
 * Terraform >= 1.11: the channels' secrets are written through write-only arguments
 * (`secret_string_wo`), so the state never holds the credentials (1.11 is the first release with
 * write-only arguments; it also covers cross-variable validation rules, 1.9).
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11";

/** The oldest hashicorp/aws the modules are planned against (the CI's mirror holds exactly this one). */
export const MINIMUM_AWS_PROVIDER = "5.100";

export interface ProviderRequirement {
  /** Registry source, e.g. `hashicorp/aws`. */
  readonly source: string;
  /** Version constraint, e.g. `>= 5.100, < 7.0`. */
  readonly version: string;
  /** The npm package of the prebuilt binding. */
  readonly binding: string;
}

/** Keyed by the provider's local name (the prefix of its resource types). */
export const PROVIDERS: Readonly<Record<string, ProviderRequirement>> = {
  aws: {
    source: "hashicorp/aws",
    version: `>= ${MINIMUM_AWS_PROVIDER}, < 7.0`,
    binding: "@cdktf/provider-aws",
  },
};
