/**
 * The IAM statements of a synthesized module: policy document data sources, jsonencode()d policies
 * written in HCL (read statement by statement), and Lambda permissions.
 */

/** One IAM statement, from a policy document data source or a jsonencode()d policy. */
export interface Statement {
  readonly module: string;
  readonly where: string;
  readonly effect: string;
  readonly actions: readonly string[];
  /** Literal resource strings (references to resources of the module are not listed). */
  readonly resources: readonly string[];
  /** Who the statement is about (resource policies: key and bucket policies), from policy documents. */
  readonly principals?: readonly string[];
  /** Its conditions, from policy documents. */
  readonly conditions?: readonly Condition[];
}

/** One condition of a policy document's statement. */
export interface Condition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

const QUOTED = /"((?:[^"\\]|\\.)*)"/g;
const quoted = (text: string) => [...text.matchAll(QUOTED)].map((m) => m[1] as string);

/** The `{ … }` object around position `at` in `text`. */
function enclosingObject(text: string, at: number): string {
  let start = at;
  for (let depth = 0; start > 0; start--) {
    const c = text[start];
    if (c === "}") depth++;
    if (c === "{" && depth-- === 0) break;
  }
  let end = at;
  for (let depth = 0; end < text.length; end++) {
    const c = text[end];
    if (c === "{") depth++;
    if (c === "}" && depth-- === 0) break;
  }
  return text.slice(start, end + 1);
}

/** The value of `key = …` in an HCL object: a list, a string, or an expression up to the next key. */
function hclValue(object: string, key: string): string | undefined {
  const match = new RegExp(`\\b${key}\\s*=\\s*`).exec(object);
  if (!match) return undefined;
  const rest = object.slice(match.index + match[0].length);
  if (rest.startsWith("[")) {
    let depth = 0;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "[") depth++;
      if (rest[i] === "]" && --depth === 0) return rest.slice(0, i + 1);
    }
  }
  if (rest.startsWith('"')) return `"${quoted(rest)[0] ?? ""}"`;
  return /^[^,}]+/.exec(rest)?.[0];
}

/** Statements of a jsonencode({ Statement = [...] }) policy written in HCL. */
export function hclStatements(module: string, where: string, expression: string): Statement[] {
  const out: Statement[] = [];
  for (const match of expression.matchAll(/\bEffect\s*=\s*"(\w+)"/g)) {
    const object = enclosingObject(expression, match.index ?? 0);
    const action = hclValue(object, "Action") ?? "";
    const resource = hclValue(object, "Resource") ?? "";
    out.push({
      module,
      where,
      effect: match[1] as string,
      actions: quoted(action),
      resources: quoted(resource),
    });
  }
  return out;
}

type Json = Record<string, unknown>;
const entries = (value: unknown): [string, Json][] => Object.entries((value ?? {}) as Record<string, Json>);
const strings = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.map(String)
    : typeof value === "string"
      ? quoted(value).concat(value.includes('"') ? [] : [value])
      : [];

/** Every IAM statement of one synthesized module. */
export function statementsOf(module: string, main: Json): Statement[] {
  const out: Statement[] = [];
  const data = (main.data ?? {}) as Json;
  for (const [name, doc] of entries(data.aws_iam_policy_document)) {
    // Optional statements are dynamic blocks; each one's content is checked like a fixed statement.
    const dynamic = ((doc.dynamic as Json | undefined)?.statement ?? []) as Json[];
    for (const statement of [
      ...((doc.statement ?? []) as Json[]),
      ...dynamic.map((d) => d.content as Json),
    ]) {
      out.push({
        module,
        where: `data.aws_iam_policy_document.${name}`,
        effect: String(statement.effect ?? "Allow"),
        actions: [...strings(statement.actions), ...strings(statement.not_actions).map((a) => `NOT ${a}`)],
        resources: [
          ...strings(statement.resources),
          ...strings(statement.not_resources).map((r) => `NOT ${r}`),
        ],
        principals: ((statement.principals ?? []) as Json[]).flatMap((p) => strings(p.identifiers)),
        conditions: ((statement.condition ?? []) as Json[]).map((c) => ({
          test: String(c.test),
          variable: String(c.variable),
          values: strings(c.values),
        })),
      });
    }
  }
  const resources = (main.resource ?? {}) as Json;
  for (const type of [
    "aws_iam_role_policy",
    "aws_iam_policy",
    "aws_s3_bucket_policy",
    "aws_sqs_queue_policy",
  ]) {
    for (const [name, resource] of entries(resources[type])) {
      const policy = String(resource.policy ?? "");
      if (policy.includes("jsonencode(")) out.push(...hclStatements(module, `${type}.${name}`, policy));
    }
  }
  for (const [name, permission] of entries(resources.aws_lambda_permission)) {
    out.push({
      module,
      where: `aws_lambda_permission.${name}`,
      effect: "Allow",
      actions: strings(permission.action),
      resources: strings(permission.source_arn),
    });
  }
  return out;
}
