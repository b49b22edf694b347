import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { baseName, named, type TerraformNameProps, tfString } from "./expr.ts";
import { checkRange } from "./queue.ts";

/** Runtime and architecture every bundle is built for (nodejs22.x, arm64: a contract, docs/architecture.md). */
export const LAMBDA_RUNTIME = "nodejs22.x";
export const LAMBDA_ARCHITECTURE = "arm64";

/** CloudWatch Logs retention values the API accepts, in days (0 is not one: use 3653 for ten years). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** One statement of a function's role policy: exact actions on exact resources. */
export interface PolicyStatement {
  /** Statement id, letters and digits, unique within the function's policy. */
  readonly sid: string;
  /** Actions, `service:Action`, never a wildcard; may be a Terraform list expression. */
  readonly actions: string[];
  /** Resource ARNs; may contain tokens. */
  readonly resources: string[];
  /** Conditions that narrow the statement further (e.g. to the items of one key prefix). */
  readonly conditions?: readonly PolicyCondition[];
}

/** One IAM condition: `test` (operator), the context key `variable`, its `values`. */
export interface PolicyCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: string[];
}

export interface BundledFunctionProps extends TerraformNameProps {
  /** Lambda function name (also the role name and the log group `/aws/lambda/<name>`), ≤ 64 characters. */
  readonly functionName: string;
  /**
   * The committed bundle, relative to the module directory, e.g. `dist/ingress.mjs`. The function deploys
   * its committed zip beside it (`dist/ingress.zip`, made by `bun run build`), so nothing is built at plan
   * time and a saved plan applies on any machine.
   */
  readonly bundle: string;
  /** Handler string, `<file without .mjs>.<export>`, e.g. `ingress.handler`. */
  readonly handler: string;
  /** Memory, in MB, 128–10240. */
  readonly memorySizeMb: number;
  /** Timeout, in seconds, 1–900. */
  readonly timeoutSeconds: number;
  /** Environment variables (configuration only, never secrets: those are read from Secrets Manager). */
  readonly environment: Record<string, string>;
  /** Retention of the function's log group, in days, one of `LOG_RETENTION_DAYS`. */
  readonly logRetentionDays: number;
  /**
   * Concurrency reserved for (and capping) the function; may be a Terraform expression. `-1` leaves it
   * unreserved, drawing on the account's shared pool. @default -1
   */
  readonly reservedConcurrency?: number;
  /** Path of the function's IAM role, e.g. `/` or `/service-roles/` (organisations whose SCPs require one). @default "/" */
  readonly rolePath?: string;
  /** ARN of a permissions boundary for the function's role; undefined (or null at plan) for none. */
  readonly permissionsBoundary?: string;
  readonly tags?: Record<string, string>;
}

/**
 * A Lambda function from a committed Bun bundle, with its own role, log group and least-privilege policy.
 *
 * Creates (all named `<terraformName>`): `aws_iam_role` (assumable by Lambda only),
 * `aws_cloudwatch_log_group` `/aws/lambda/<functionName>` with retention, `data.aws_iam_policy_document` +
 * `aws_iam_role_policy` holding exactly the statements added with `addToRolePolicy` (the grant helpers) plus
 * log writing to its own group, and `aws_lambda_function` (nodejs22.x, arm64) created after its log group
 * and policy, so Lambda never creates an unmanaged log group and never runs without its permissions.
 *
 * @example
 * const ingress = new BundledFunction(this, "ingress", {
 *   functionName: `${name}-ingress`, bundle: "dist/ingress.mjs", handler: "ingress.handler",
 *   memorySizeMb: 256, timeoutSeconds: 10, environment: { QUEUE_URL: queue.url }, logRetentionDays: 14,
 * });
 * grantSend(queues.queue, ingress);
 */
export class BundledFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly policyDocument: DataAwsIamPolicyDocument;
  readonly timeoutSeconds: number;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    checkRange("memorySizeMb", props.memorySizeMb, 128, 10240);
    checkRange("timeoutSeconds", props.timeoutSeconds, 1, 900);
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_]+$/.test(props.handler)) {
      throw new Error(
        `BundledFunction: handler "${props.handler}" must look like "<file>.<export>", e.g. "worker.handler"`,
      );
    }
    if (props.bundle.startsWith("/") || props.bundle.includes("..") || !props.bundle.endsWith(".mjs")) {
      throw new Error(
        `BundledFunction: bundle "${props.bundle}" must be a .mjs path inside the module, e.g. "dist/worker.mjs"`,
      );
    }
    this.timeoutSeconds = props.timeoutSeconds;
    const zip = `\${path.module}/${packagePath(props.bundle)}`;

    this.logGroup = named(
      new CloudwatchLogGroup(this, "LogGroup", {
        name: `/aws/lambda/${props.functionName}`,
        retentionInDays: props.logRetentionDays,
        tags: props.tags,
      }),
      tfName,
    );

    this.role = named(
      new IamRole(this, "Role", {
        name: props.functionName,
        path: props.rolePath,
        permissionsBoundary: props.permissionsBoundary,
        assumeRolePolicy: lambdaAssumeRolePolicy(this).json,
        tags: props.tags,
      }),
      tfName,
    );

    this.policyDocument = named(new DataAwsIamPolicyDocument(this, "PolicyDocument", {}), tfName);
    this.addToRolePolicy({
      sid: "WriteOwnLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      // Log streams are named by Lambda at run time: the `:*` (streams of this one group) is required.
      resources: [`${this.logGroup.arn}:*`],
    });

    const policy = named(
      new IamRolePolicy(this, "Policy", {
        name: props.functionName,
        role: this.role.id,
        policy: this.policyDocument.json,
      }),
      tfName,
    );

    this.function = named(
      new LambdaFunction(this, "Function", {
        functionName: props.functionName,
        role: this.role.arn,
        handler: props.handler,
        runtime: LAMBDA_RUNTIME,
        architectures: [LAMBDA_ARCHITECTURE],
        filename: zip,
        sourceCodeHash: tfString(`filebase64sha256("${zip}")`),
        memorySize: props.memorySizeMb,
        timeout: props.timeoutSeconds,
        ...(props.reservedConcurrency === undefined
          ? {}
          : { reservedConcurrentExecutions: props.reservedConcurrency }),
        environment: { variables: props.environment },
        tags: props.tags,
        dependsOn: [this.logGroup, policy],
      }),
      tfName,
    );
  }

  /** Add a statement to the function's role policy (what the grant helpers call). */
  addToRolePolicy(statement: PolicyStatement): void {
    if (!/^[A-Za-z0-9]+$/.test(statement.sid)) {
      throw new Error(`addToRolePolicy: sid "${statement.sid}" must be letters and digits only`);
    }
    if (this.statements.some((s) => s.sid === statement.sid)) {
      throw new Error(`addToRolePolicy: ${this.node.id} already has a statement "${statement.sid}"`);
    }
    for (const action of statement.actions) {
      if (action.includes("*"))
        throw new Error(`addToRolePolicy: wildcard action "${action}" in ${statement.sid}`);
    }
    if (statement.resources.includes("*")) {
      throw new Error(`addToRolePolicy: resource "*" in ${statement.sid}; name the exact ARNs`);
    }
    this.statements.push(statement);
    this.policyDocument.putStatement(this.statements.map(toDocumentStatement));
  }

  /** The statements of the role policy, in the order they were added. */
  get policyStatements(): readonly PolicyStatement[] {
    return this.statements;
  }
}

/** The deployment package of a bundle: `dist/worker.mjs` → `dist/worker.zip` (scripts/bundle.ts writes it). */
export function packagePath(bundle: string): string {
  return bundle.replace(/\.mjs$/, ".zip");
}

function toDocumentStatement(s: PolicyStatement): DataAwsIamPolicyDocumentStatement {
  return {
    sid: s.sid,
    effect: "Allow",
    actions: s.actions,
    resources: s.resources,
    ...(s.conditions ? { condition: s.conditions.map((c) => ({ ...c })) } : {}),
  };
}

/** One `data.aws_iam_policy_document.lambda_assume_role` per module, shared by every function role. */
function lambdaAssumeRolePolicy(scope: Construct): DataAwsIamPolicyDocument {
  const stack = TerraformStack.of(scope);
  const id = "LambdaAssumeRole";
  const existing = stack.node.tryFindChild(id);
  if (existing instanceof DataAwsIamPolicyDocument) return existing;
  return named(
    new DataAwsIamPolicyDocument(stack, id, {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
        },
      ],
    }),
    "lambda_assume_role",
  );
}
