import { type JsonObject, renderModule } from "./render.ts";
import { ModuleStack, moduleApp } from "./stack.ts";

/** A fresh module stack for a construct test. */
export function testStack(id = "test"): ModuleStack {
  return new ModuleStack(moduleApp(), id);
}

/** Render a stack and merge its files into one Terraform JSON object (without the headers). */
export function synthJson(stack: ModuleStack): JsonObject {
  const merged: JsonObject = {};
  for (const text of Object.values(renderModule(stack, { source: "modules/test/module.ts" }))) {
    const { "//": _header, ...blocks } = JSON.parse(text) as JsonObject;
    Object.assign(merged, blocks);
  }
  return merged;
}

/** `resource.<type>.<name>` (or `data.<type>.<name>` with `kind: "data"`) of a synthesized config. */
export function block(
  config: JsonObject,
  type: string,
  name: string,
  kind: "resource" | "data" = "resource",
): JsonObject {
  const found = ((config[kind] as JsonObject | undefined)?.[type] as JsonObject | undefined)?.[name];
  if (found === undefined) throw new Error(`no ${kind} ${type}.${name}`);
  return found as JsonObject;
}
