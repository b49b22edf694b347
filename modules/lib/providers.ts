/**
 * Terraform and provider version constraints of every generated module.
 *
 * The minimum is the provider version the prebuilt CDKTF binding was generated from (its schema is what
 * the constructs are checked against at compile time); `providers.test.ts` fails when a binding upgrade
 * moves past these, so the constraint is bumped together with the binding.
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.5.0";

export interface ProviderRequirement {
  /** Registry source, e.g. `hashicorp/aws`. */
  readonly source: string;
  /** Version constraint, e.g. `>= 6.25`. */
  readonly version: string;
  /** The npm package of the prebuilt binding. */
  readonly binding: string;
}

/** Keyed by the provider's local name (the prefix of its resource types). */
export const PROVIDERS: Readonly<Record<string, ProviderRequirement>> = {
  aws: { source: "hashicorp/aws", version: ">= 6.25", binding: "@cdktf/provider-aws" },
  random: { source: "hashicorp/random", version: ">= 3.7", binding: "@cdktf/provider-random" },
};
