import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { baseName, named, type TerraformNameProps, tfObject, tfString } from "./expr.ts";
import type { BundledFunction } from "./function.ts";

/** The key under which the provider tells the function what happened (`{"tf":{"action":"create"|"update"|"delete","prev_input":...}}`). */
export const SETUP_TERRAFORM_KEY = "tf";

export interface SetupInvocationProps extends TerraformNameProps {
  /** The function that performs the setup (the worker: it holds the platform credentials). */
  readonly fn: BundledFunction;
  /**
   * The input object; `action` is added as `"setup"`. Values may be tokens. Never put a secret here: the input is
   * stored in state and shown in plans. Include a `revision` that changes whenever the setup must run again.
   */
  readonly input: Record<string, string>;
  /** What must exist before the setup runs (and keep existing until its teardown ran), e.g. the route. */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Platform setup as part of `terraform apply`: invokes `fn` with `{"action":"setup", ...input}` on create and
 * whenever the input changes, and again on destroy with `{"tf":{"action":"delete",...}}` so the function can
 * undo it (lifecycle scope CRUD). Terraform name: `aws_lambda_invocation.<terraformName>`.
 */
export class SetupInvocation extends Construct {
  readonly invocation: LambdaInvocation;

  constructor(scope: Construct, id: string, props: SetupInvocationProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    this.invocation = named(
      new LambdaInvocation(this, "Invocation", {
        functionName: props.fn.function.functionName,
        input: tfString(`jsonencode(${tfObject(this, { action: "setup", ...props.input })})`),
        lifecycleScope: "CRUD",
        terraformKey: SETUP_TERRAFORM_KEY,
        dependsOn: props.dependsOn,
      }),
      tfName,
    );
  }
}
