import {
  DefaultTokenResolver,
  type IResolvable,
  ref,
  StringConcat,
  TerraformDataSource,
  type TerraformElement,
  TerraformLocal,
  TerraformOutput,
  TerraformResource,
  TerraformVariable,
  Token,
  Tokenization,
} from "cdktf";
import type { Construct } from "constructs";

/**
 * Terraform expressions written as Terraform, not through CDKTF's `Fn`/`Op` builders.
 *
 * The builders render `null` as `undefined`, `x[0]` as `x.0` and escape `${` in nested strings, so
 * conditionals over nullable inputs come out wrong or unreadable. These helpers keep the expression
 * text exactly as written: `tfString("var.name")` inside a template gives `"${var.name}-dlq.fifo"`.
 * (Hence biome.json turns `noTemplateCurlyInString` off under modules/: `"${...}"` there is Terraform.)
 */

/** A raw Terraform expression (no `${}`), e.g. `tf("var.secret_arn == null ? 1 : 0")`. */
export function tf(expression: string): IResolvable {
  return ref(expression);
}

/** A raw Terraform expression typed as a string token. */
export function tfString(expression: string): string {
  return Token.asString(ref(expression));
}

/** A raw Terraform expression typed as a number token. */
export function tfNumber(expression: string): number {
  return Token.asNumber(ref(expression));
}

/** A raw Terraform expression typed as a list token. */
export function tfList(expression: string): string[] {
  return Token.asList(ref(expression));
}

/** Whether a value is a CDKTF token (a Terraform expression) rather than a literal known at synth. */
export function isToken(value: unknown): boolean {
  return Token.isUnresolved(value);
}

/**
 * The Terraform expression text of a prop value, for use inside hand-written expressions: a token that
 * stands for one expression gives that expression (`v.maxReceiveCount.numberValue` → `var.max_receive_count`),
 * a literal gives its Terraform literal (`3`, `true`, `"info"`, `null` for `undefined`).
 * Lets constructs take typed props (`maxReceiveCount: number`) and still write `tostring(var.max_receive_count)`.
 *
 * @example expressionOf(this, props.allowedUsers) // "var.allowed_users"
 */
export function expressionOf(scope: Construct, value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (!isToken(value)) return JSON.stringify(value);
  const resolved = Tokenization.resolve(value, {
    scope,
    preparing: false,
    resolver: new DefaultTokenResolver(new StringConcat()),
  });
  const match = typeof resolved === "string" ? /^\$\{([\s\S]*)\}$/.exec(resolved) : null;
  const inner = match?.[1];
  if (inner === undefined || inner.includes("${")) {
    throw new Error(
      `expressionOf: ${JSON.stringify(resolved)} is not one Terraform expression; pass a variable's value or a literal`,
    );
  }
  return inner;
}

/**
 * A one-line Terraform object constructor, `{ key = value, ... }`, laid out as `terraform fmt` lays it out;
 * values are literals or tokens (see `expressionOf`), or arrays of them.
 *
 * @example `jsonencode(${tfObject(this, { deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 })})`
 */
export function tfObject(scope: Construct, object: Record<string, unknown>): string {
  const item = (value: unknown): string =>
    Array.isArray(value) ? `[${value.map(item).join(", ")}]` : expressionOf(scope, value);
  const entries = Object.entries(object).map(([key, value]) => `${key} = ${item(value)}`);
  return `{ ${entries.join(", ")} }`;
}

/**
 * The Terraform address of an element, for use inside hand-written expressions:
 * `var.name`, `local.secret_arn`, `aws_sqs_queue.this`, `data.archive_file.ingress`.
 */
export function addr(element: TerraformElement): string {
  const name = element.friendlyUniqueId;
  if (element instanceof TerraformVariable) return `var.${name}`;
  if (element instanceof TerraformLocal) return `local.${name}`;
  if (element instanceof TerraformDataSource) return `data.${element.terraformResourceType}.${name}`;
  if (element instanceof TerraformResource) return `${element.terraformResourceType}.${name}`;
  throw new Error(`addr: no Terraform address for ${element.node.path}`);
}

/** Name a resource the Terraform way: the primary one `base`, the others `base_part` (or `part` when base is `this`). */
export function logicalName(base: string, part?: string): string {
  if (part === undefined) return base;
  return base === "this" ? part : `${base}_${part}`;
}

/** Props every lib construct takes: the Terraform name of its primary resource. */
export interface TerraformNameProps {
  /**
   * Terraform name of the primary resource (`aws_sqs_queue.<terraformName>`); secondary resources are
   * `<terraformName>_<part>`, or just `<part>` when it is `this`. @default the construct id in snake_case
   */
  readonly terraformName?: string;
}

/** The Terraform base name of a lib construct: `terraformName`, else its id in snake_case. */
export function baseName(id: string, props: TerraformNameProps): string {
  return (
    props.terraformName ??
    id
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/[^A-Za-z0-9_]/g, "_")
      .toLowerCase()
  );
}

/** Give an element its Terraform name (`aws_sqs_queue.<name>`) and return it. */
export function named<T extends TerraformElement>(element: T, name: string): T {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new Error(
      `Terraform name "${name}" for ${element.node.path} must be snake_case ([a-z_][a-z0-9_]*)`,
    );
  }
  element.overrideLogicalId(name);
  return element;
}

/** Validation rule of a variable: `condition` is a raw Terraform expression (no `${}`). */
export interface VariableValidation {
  readonly condition: string;
  readonly errorMessage: string;
}

/** A module input, declared the terraform-aws-modules way: typed, described, optional when it has a default. */
export interface VariableSpec {
  /** Terraform type expression, e.g. `string`, `list(string)`, `map(string)`. */
  readonly type: string;
  /** One or two sentences; list valid values and say what `null` means. */
  readonly description: string;
  /** Default value; `null` makes the input optional with "not set" semantics; omit to make it required. */
  readonly default?: unknown;
  readonly sensitive?: boolean;
  /**
   * Whether the caller may pass `null`. @default false unless `default` is `null`: passing null to an input with
   * a default then means "use the default", so wrappers can pass optional values straight through.
   */
  readonly nullable?: boolean;
  readonly validation?: readonly VariableValidation[];
}

/** Declare `variable "<name>"` (construct id `var.<name>`, so a local or output may share the name). */
export function variable(scope: Construct, name: string, spec: VariableSpec): TerraformVariable {
  const v = new TerraformVariable(scope, `var.${name}`, {
    type: spec.type,
    description: spec.description,
    sensitive: spec.sensitive,
    nullable: spec.nullable ?? spec.default === null,
    validation: spec.validation?.map((rule) => ({
      condition: `\${${rule.condition}}`,
      errorMessage: rule.errorMessage,
    })),
  });
  // TerraformVariable cannot render a null default; an override can.
  if (spec.default !== undefined) v.addOverride("default", spec.default);
  return named(v, name);
}

/** Declare `locals { <name> = <expression> }` from a raw Terraform expression. */
export function local(scope: Construct, name: string, expression: string): TerraformLocal {
  return named(new TerraformLocal(scope, `local.${name}`, tf(expression)), name);
}

/** Declare `locals { <name> = <value> }` from a CDKTF value (a literal, a token, or a template with tokens). */
export function localValue(scope: Construct, name: string, value: unknown): TerraformLocal {
  return named(new TerraformLocal(scope, `local.${name}`, value), name);
}

/** Declare `output "<name>"` with its description. */
export function output(scope: Construct, name: string, value: unknown, description: string): TerraformOutput {
  return named(new TerraformOutput(scope, `output.${name}`, { value, description }), name);
}
