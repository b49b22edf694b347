import {
  DefaultTokenResolver,
  StringConcat,
  TerraformDataSource,
  TerraformResource,
  Tokenization,
} from "cdktf";
import type { Json, JsonObject } from "./json.ts";
import type { ModuleStack } from "./stack.ts";

/**
 * Terraform JSON → HCL native syntax, laid out as `terraform fmt` lays it out (so `terraform fmt -check`
 * passes on the generated modules), deterministically.
 *
 * JSON does not say which nested objects are blocks and which are attribute values (`environment {}` is a
 * block of aws_lambda_function, `tags = {}` an attribute): the CDKTF bindings do, and `blockPaths` reads it
 * from each resource's `toHclTerraform()`, generated from the provider schema.
 */

/** For each `resource.<type>.<name>` / `data.<type>.<name>`, the dotted key paths that are nested blocks. */
export type BlockPaths = Map<string, Set<string>>;

/** Meta-argument blocks, wherever they appear in a resource. */
const META_BLOCKS = new Set(["lifecycle", "lifecycle.precondition", "lifecycle.postcondition"]);
/** Attributes whose list elements are references, written bare: `depends_on = [aws_x.y]`. */
const REFERENCE_LISTS = new Set(["depends_on", "lifecycle.ignore_changes", "lifecycle.replace_triggered_by"]);

/** The block paths of every resource and data source of `stack`, from the bindings' HCL metadata. */
export function blockPaths(stack: ModuleStack): BlockPaths {
  const out: BlockPaths = new Map();
  const resolver = new DefaultTokenResolver(new StringConcat());
  for (const c of stack.node.findAll()) {
    if (!(c instanceof TerraformResource || c instanceof TerraformDataSource)) continue;
    const kind = c instanceof TerraformDataSource ? "data" : "resource";
    const hcl = Tokenization.resolve(c.toHclTerraform(), { scope: stack, preparing: false, resolver }) as {
      [k: string]: Record<string, Record<string, Record<string, unknown>>>;
    };
    const body = hcl[kind]?.[c.terraformResourceType]?.[c.friendlyUniqueId] ?? {};
    const paths = new Set<string>();
    collect(body, "", paths);
    out.set(`${kind}.${c.terraformResourceType}.${c.friendlyUniqueId}`, paths);
  }
  return out;
}

function collect(body: Record<string, unknown>, prefix: string, paths: Set<string>): void {
  for (const [key, entry] of Object.entries(body)) {
    const meta = entry as { isBlock?: boolean; value?: unknown } | null;
    if (meta === null || typeof meta !== "object" || !("isBlock" in meta) || !meta.isBlock) continue;
    const path = `${prefix}${key}`;
    paths.add(path);
    for (const inner of [meta.value].flat()) {
      if (inner !== null && typeof inner === "object")
        collect(inner as Record<string, unknown>, `${path}.`, paths);
    }
  }
}

/** The end (exclusive) of the `${...}` starting at `start`, skipping nested braces and quoted strings. */
function interpolationEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start + 2; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === "\\") i++;
        else if (text[i] === "$" && text[i + 1] === "{") i = interpolationEnd(text, i) - 1;
      }
    } else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i + 1;
      depth--;
    }
  }
  throw new Error(`hcl: unterminated interpolation in ${JSON.stringify(text)}`);
}

/** A JSON string as HCL: a whole `${expr}` becomes `expr`; anything else a quoted template. */
export function hclString(text: string): string {
  if (text.startsWith("${") && interpolationEnd(text, 0) === text.length) return text.slice(2, -1);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "{") {
      const end = interpolationEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
      continue;
    }
    const c = text[i] as string;
    out +=
      c === "\\"
        ? "\\\\"
        : c === '"'
          ? '\\"'
          : c === "\n"
            ? "\\n"
            : c === "\r"
              ? "\\r"
              : c === "\t"
                ? "\\t"
                : c;
  }
  return `"${out}"`;
}

const key = (k: string) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : JSON.stringify(k));

/** An attribute value, at `indent` (its first line is not indented). */
function value(v: Json, indent: string, bare = false): string {
  if (v === null) return "null";
  if (typeof v === "string") return bare ? v : hclString(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) {
    if (v.every((e) => e === null || typeof e !== "object"))
      return `[${v.map((e) => value(e, indent, bare)).join(", ")}]`;
    const inner = `${indent}  `;
    return `[\n${v.map((e) => `${inner}${value(e, inner)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return "{}";
  return `{\n${attributes(entries, `${indent}  `)}\n${indent}}`;
}

/**
 * Attribute lines aligned as terraform fmt does: the `=` of a run of one-line attributes in a column; an
 * attribute whose value spans lines ends the run before it and is not padded.
 */
function attributes(
  entries: [string, Json][],
  indent: string,
  bare: (k: string) => boolean = () => false,
): string {
  const lines: string[] = [];
  let run: [string, string][] = [];
  const flush = () => {
    const width = Math.max(...run.map(([k]) => k.length));
    for (const [k, text] of run) lines.push(`${indent}${k.padEnd(width)} = ${text}`);
    run = [];
  };
  for (const [k, v] of entries) {
    const text = value(v, indent, bare(k));
    if (!text.includes("\n")) {
      run.push([key(k), text]);
      continue;
    }
    if (run.length > 0) flush();
    lines.push(`${indent}${key(k)} = ${text}`);
  }
  if (run.length > 0) flush();
  return lines.join("\n");
}

/** Order of a block body: meta-arguments, attributes (tags last), blocks, depends_on, lifecycle. */
const FIRST = ["count", "for_each", "provider"];
const LAST = ["depends_on", "lifecycle"];
function order(keys: string[]): string[] {
  const rank = (k: string) => (FIRST.includes(k) ? 0 : k === "tags" ? 2 : LAST.includes(k) ? 4 : 1);
  return [...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The body of a block at `indent`, whose nested blocks are those in `blocks` (dotted paths under `path`). */
function body(obj: JsonObject, indent: string, blocks: Set<string>, path: string): string {
  const parts: string[] = [];
  let attrs: [string, Json][] = [];
  const flushAttrs = () => {
    if (attrs.length === 0) return;
    parts.push(attributes(attrs, indent, (k) => REFERENCE_LISTS.has(`${path}${k}`)));
    attrs = [];
  };
  const keys = order(Object.keys(obj));
  for (const [i, k] of keys.entries()) {
    const v = obj[k] as Json;
    const here = `${path}${k}`;
    const isBlock = blocks.has(here) || META_BLOCKS.has(here) || k === "dynamic";
    if (!isBlock) {
      // A blank line before the meta-arguments end and after them, as terraform-aws-modules do.
      if (FIRST.includes(keys[i - 1] ?? "") && !FIRST.includes(k)) flushAttrs();
      attrs.push([k, v]);
      continue;
    }
    flushAttrs();
    if (k === "dynamic") {
      for (const [label, list] of Object.entries(v as JsonObject)) {
        for (const d of [list].flat() as JsonObject[]) {
          const { content, ...rest } = d;
          const inner = `${indent}  `;
          const head = attributes(Object.entries(rest) as [string, Json][], inner);
          const contentBody = body(content as JsonObject, `${inner}  `, blocks, `${path}${label}.`);
          parts.push(
            `${indent}dynamic ${JSON.stringify(label)} {\n${head}\n\n${inner}content {\n${contentBody}\n${inner}}\n${indent}}`,
          );
        }
      }
      continue;
    }
    for (const b of [v].flat() as JsonObject[]) {
      const inner = body(b, `${indent}  `, blocks, `${here}.`);
      parts.push(inner === "" ? `${indent}${k} {}` : `${indent}${k} {\n${inner}\n${indent}}`);
    }
  }
  flushAttrs();
  return parts.join("\n\n");
}

/** One top-level block with labels, e.g. `resource "aws_sqs_queue" "this" { ... }`. */
function block(header: string, obj: JsonObject, blocks: Set<string>): string {
  const inner = body(obj, "  ", blocks, "");
  return inner === "" ? `${header} {}` : `${header} {\n${inner}\n}`;
}

/** `variable "x" { ... }`: `type` is a type expression, validation a block. */
export function variableBlock(name: string, spec: JsonObject): string {
  const { type, ...rest } = spec;
  const ordered: JsonObject = { ...(type === undefined ? {} : { type: `\${${type}}` }), ...rest };
  const keys = ["description", "type", "default", "nullable", "sensitive", "validation"];
  const sorted = Object.fromEntries(
    Object.entries(ordered).sort(([a], [b]) => keys.indexOf(a) - keys.indexOf(b)),
  ) as JsonObject;
  return blockWith(`variable ${JSON.stringify(name)}`, sorted, new Set(["validation"]));
}

/** A block whose body keeps the given key order (variables, outputs). */
function blockWith(header: string, obj: JsonObject, blocks: Set<string>): string {
  const parts: string[] = [];
  const attrs: [string, Json][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (blocks.has(k)) continue;
    attrs.push([k, v as Json]);
  }
  if (attrs.length > 0) parts.push(attributes(attrs, "  "));
  for (const k of blocks) {
    for (const b of [obj[k] ?? []].flat() as JsonObject[])
      parts.push(`  ${k} {\n${attributes(Object.entries(b) as [string, Json][], "    ")}\n  }`);
  }
  return `${header} {\n${parts.join("\n\n")}\n}`;
}

/** The HCL of a module's Terraform JSON, as `{ "versions.tf": ..., "variables.tf": ..., ... }`. */
export interface HclSources {
  /** `resource.<type>.<name>` / `data.<type>.<name>` in the order to write them. */
  readonly order: readonly string[];
  readonly blocks: BlockPaths;
}

export function terraformBlock(terraform: JsonObject): string {
  const { required_version, required_providers } = terraform as {
    required_version: string;
    required_providers: JsonObject;
  };
  const providers = attributes(Object.entries(required_providers) as [string, Json][], "    ");
  return `terraform {\n  required_version = ${hclString(required_version)}\n\n  required_providers {\n${providers}\n  }\n}`;
}

export function localsBlock(locals: JsonObject): string {
  return `locals {\n${attributes(Object.entries(locals) as [string, Json][], "  ")}\n}`;
}

export function outputBlock(name: string, spec: JsonObject): string {
  const keys = ["description", "value", "sensitive"];
  const sorted = Object.fromEntries(
    Object.entries(spec).sort(([a], [b]) => keys.indexOf(a) - keys.indexOf(b)),
  ) as JsonObject;
  return blockWith(`output ${JSON.stringify(name)}`, sorted, new Set());
}

/** `resource`/`data` blocks of `config`, in `sources.order`. */
export function resourceBlocks(config: JsonObject, sources: HclSources): string[] {
  return sources.order.map((address) => {
    const [kind, type, name] = address.split(".") as [string, string, string];
    const obj = ((config[kind] as JsonObject)[type] as JsonObject)[name] as JsonObject;
    const label = kind === "data" ? "data" : "resource";
    return block(
      `${label} ${JSON.stringify(type)} ${JSON.stringify(name)}`,
      obj,
      sources.blocks.get(address) ?? new Set(),
    );
  });
}
