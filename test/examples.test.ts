import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { REPO_ROOT } from "../scripts/synth.ts";

/**
 * Wiring checks of the hand-written Terraform (examples/*, the root main.tf) against the modules they call,
 * without a terraform binary: every module call passes only inputs the module declares and all it requires,
 * every `module.X.Y` names an output X has, every `var.Y` is declared, and the caller requires each provider
 * the called module needs.
 */

type Body = Record<string, unknown>;

interface Config {
  readonly dir: string;
  readonly variables: Record<string, Body>;
  readonly outputs: Record<string, Body>;
  readonly modules: Record<string, Body>;
  readonly providers: Record<string, Body>;
  readonly requiredProviders: Record<string, { source?: string; version?: string }>;
  /** Every file's parsed body, to search references in. */
  readonly bodies: unknown[];
}

/** Keys of a `module` block that are not inputs of the module. */
const META_ARGUMENTS = new Set(["source", "version", "count", "for_each", "providers", "depends_on"]);

/** hcl2json gives each block as a list of bodies; Terraform JSON as one object: take the body either way. */
const body = (value: unknown): Body => (Array.isArray(value) ? (value[0] as Body) : (value as Body)) ?? {};
const blocks = (value: unknown): Record<string, Body> =>
  Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => [k, body(v)]));

async function loadConfig(dir: string): Promise<Config> {
  const names = (await readdir(dir)).filter((f) => f.endsWith(".tf") || f.endsWith(".tf.json")).sort();
  const config: Config = {
    dir,
    variables: {},
    outputs: {},
    modules: {},
    providers: {},
    requiredProviders: {},
    bodies: [],
  };
  for (const name of names) {
    const text = await readFile(join(dir, name), "utf8");
    const parsed = (name.endsWith(".tf.json") ? JSON.parse(text) : await parse(name, text)) as Body;
    config.bodies.push(parsed);
    Object.assign(config.variables, blocks(parsed.variable));
    Object.assign(config.outputs, blocks(parsed.output));
    Object.assign(config.modules, blocks(parsed.module));
    Object.assign(config.providers, blocks(parsed.provider));
    for (const terraform of [parsed.terraform].flat()) {
      for (const rp of [(terraform as Body | undefined)?.required_providers].flat()) {
        Object.assign(config.requiredProviders, (rp ?? {}) as Config["requiredProviders"]);
      }
    }
  }
  return config;
}

/** Every string anywhere in a parsed config. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** `module.<name>[...].<output>` references, with splats and indexes. */
function moduleReferences(config: Config): { module: string; output: string }[] {
  const re = /\bmodule\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])*\.([A-Za-z_][\w-]*)/g;
  return config.bodies
    .flatMap(strings)
    .flatMap((s) => [...s.matchAll(re)].map((m) => ({ module: m[1] as string, output: m[2] as string })));
}

/** `var.<name>` references. */
function variableReferences(config: Config): string[] {
  return config.bodies
    .flatMap(strings)
    .flatMap((s) => [...s.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)].map((m) => m[1] as string));
}

// examples/agents holds agents to deploy on AgentCore, not Terraform roots.
const exampleDirs = (await readdir(join(REPO_ROOT, "examples"), { withFileTypes: true }))
  .filter((e) => e.isDirectory() && e.name !== "agents")
  .map((e) => join(REPO_ROOT, "examples", e.name))
  .sort();
const roots = [REPO_ROOT, ...exampleDirs];
const configs = new Map<string, Config>();
const configOf = async (dir: string) => {
  const cached = configs.get(dir);
  if (cached) return cached;
  const loaded = await loadConfig(dir);
  configs.set(dir, loaded);
  return loaded;
};
const name = (dir: string) => relative(REPO_ROOT, dir) || "main.tf (root)";

test("there are examples, each with main.tf and a README", () => {
  expect(exampleDirs.map((d) => relative(REPO_ROOT, d))).toContain("examples/telegram-only");
  for (const dir of exampleDirs) {
    expect(existsSync(join(dir, "main.tf")), `${name(dir)}/main.tf`).toBe(true);
    expect(existsSync(join(dir, "README.md")), `${name(dir)}/README.md`).toBe(true);
  }
});

for (const dir of roots) {
  describe(name(dir), () => {
    test("every module call passes only declared inputs and all required ones", async () => {
      const config = await configOf(dir);
      expect(Object.keys(config.modules).length).toBeGreaterThan(0);
      for (const [call, args] of Object.entries(config.modules)) {
        const source = String(args.source);
        expect(source, `module.${call}: local source`).toMatch(/^\.\.?\//);
        const called = await configOf(resolve(dir, source));
        const declared = Object.keys(called.variables);
        const passed = Object.keys(args).filter((k) => !META_ARGUMENTS.has(k));
        const unknown = passed.filter((k) => !declared.includes(k));
        expect(unknown, `module.${call} passes inputs ${source} does not declare`).toEqual([]);
        const required = declared.filter((v) => !("default" in (called.variables[v] as Body)));
        const missing = required.filter((v) => !passed.includes(v));
        expect(missing, `module.${call} misses required inputs of ${source}`).toEqual([]);
      }
    });

    test("every module.X.Y names a module call and one of its outputs", async () => {
      const config = await configOf(dir);
      const refs = moduleReferences(config);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const call = config.modules[ref.module];
        expect(call, `module.${ref.module} is not called`).toBeDefined();
        const called = await configOf(resolve(dir, String(call?.source)));
        expect(Object.keys(called.outputs), `module.${ref.module}.${ref.output}`).toContain(ref.output);
      }
    });

    test("every var.X is declared, every variable and output described", async () => {
      const config = await configOf(dir);
      for (const v of variableReferences(config))
        expect(Object.keys(config.variables), `var.${v}`).toContain(v);
      for (const [v, b] of Object.entries(config.variables)) {
        expect(b.type, `variable ${v}: type`).toBeDefined();
        expect(String(b.description ?? ""), `variable ${v}: description`).not.toBe("");
      }
      for (const [o, b] of Object.entries(config.outputs)) {
        expect(String(b.description ?? ""), `output ${o}: description`).not.toBe("");
      }
    });

    test("requires every provider the called modules need, from the same source", async () => {
      const config = await configOf(dir);
      for (const [call, args] of Object.entries(config.modules)) {
        const called = await configOf(resolve(dir, String(args.source)));
        for (const [provider, req] of Object.entries(called.requiredProviders)) {
          expect(config.requiredProviders[provider]?.source, `${provider} for module.${call}`).toBe(
            req.source,
          );
          expect(config.requiredProviders[provider]?.version, `${provider} for module.${call}`).toBe(
            req.version,
          );
        }
      }
    });

    test(
      dir === REPO_ROOT ? "no provider block: it is a module" : "configures the aws provider: it is a root",
      async () => {
        const config = await configOf(dir);
        if (dir === REPO_ROOT) expect(Object.keys(config.providers)).toEqual([]);
        else expect(Object.keys(config.providers)).toContain("aws");
      },
    );
  });
}
