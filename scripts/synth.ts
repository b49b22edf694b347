/**
 * Synthesizes every Terraform module from its CDKTF source (modules/<name>/module.ts) into
 * modules/<name>/*.tf (HCL), regenerates the inputs/outputs tables of modules/<name>/README.md, and the
 * shared settings each module block of the root main.tf passes through (modules/lib/root.ts).
 *
 * Called by scripts/build.ts (`bun run build`) after the bundles; also runnable alone: `bun scripts/synth.ts`.
 * Output is deterministic (sorted keys, no timestamps, no local paths): rebuilding without a change
 * gives the same bytes, which `modules/telegram/module.test.ts` checks.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Construct } from "constructs";
import { DiscordModule } from "../modules/discord/module.ts";
import {
  createModule,
  insertDocs,
  type JsonObject,
  type ModuleStack,
  moduleConfig,
  renderDocs,
  renderModule,
  renderSharedSettings,
} from "../modules/lib/index.ts";
import { RelayModule } from "../modules/relay/module.ts";
import { SlackModule } from "../modules/slack/module.ts";
import { TelegramModule } from "../modules/telegram/module.ts";
import { WhatsAppModule } from "../modules/whatsapp/module.ts";
import { WhatsAppPersonalModule } from "../modules/whatsapp-personal/module.ts";

/** The repository root (this file lives in scripts/). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface ModuleDefinition {
  /** Folder under modules/. */
  readonly name: string;
  /** Build the module's stack. */
  readonly create: (scope: Construct) => ModuleStack;
}

/** Every channel module, in the order they are built. */
export const MODULES: readonly ModuleDefinition[] = [
  { name: "telegram", create: (scope) => new TelegramModule(scope, "telegram") },
  { name: "slack", create: (scope) => new SlackModule(scope, "slack") },
  { name: "discord", create: (scope) => new DiscordModule(scope, "discord") },
  { name: "whatsapp", create: (scope) => new WhatsAppModule(scope, "whatsapp") },
  { name: "whatsapp-personal", create: (scope) => new WhatsAppPersonalModule(scope, "whatsapp-personal") },
  { name: "relay", create: (scope) => new RelayModule(scope, "relay") },
];

/** A module's configuration as Terraform JSON (what its generated HCL holds), for tests and tools. */
export function renderModuleConfig(def: ModuleDefinition): JsonObject {
  return moduleConfig(createModule((scope) => def.create(scope)));
}

/** `renderModuleConfig` of the module in modules/<name>. */
export function moduleConfigOf(name: string): JsonObject {
  const def = MODULES.find((m) => m.name === name);
  if (!def) throw new Error(`no module ${name} in MODULES`);
  return renderModuleConfig(def);
}

/**
 * Render one module: its `*.tf` files and its README (the committed README with the generated
 * section replaced). Keys are paths relative to the repository root.
 */
export async function renderModuleFiles(def: ModuleDefinition): Promise<Record<string, string>> {
  const dir = `modules/${def.name}`;
  const stack = createModule((scope) => def.create(scope));
  const files = renderModule(stack, { source: `${dir}/module.ts` });
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(files)) out[`${dir}/${file}`] = text;

  const readmePath = join(REPO_ROOT, dir, "README.md");
  const readme = await readFile(readmePath, "utf8").catch(() => {
    throw new Error(`${dir}/README.md is missing: write its hand-written part around the TF_DOCS markers`);
  });
  out[`${dir}/README.md`] = insertDocs(readme, renderDocs(moduleConfig(stack)));
  return out;
}

/** The root main.tf with each module block's shared settings generated from that module's inputs. */
export async function renderRoot(): Promise<string> {
  const inputs = new Map(
    MODULES.map((def) => [def.name, Object.keys(renderModuleConfig(def).variable ?? {})] as const),
  );
  const main = await readFile(join(REPO_ROOT, "main.tf"), "utf8");
  return renderSharedSettings(main, (dir) => {
    const names = inputs.get(dir);
    if (!names) throw new Error(`main.tf calls ./modules/${dir}, which is not in MODULES`);
    return names;
  });
}

export interface SynthOptions {
  /** Where to write (the tree under it mirrors the repository). @default the repository root */
  readonly outDir?: string;
}

/**
 * Synthesize every module and its README, and the root main.tf's shared settings; removes `*.tf` and
 * `*.tf.json` files a module no longer produces.
 */
export async function synthAll(options: SynthOptions = {}): Promise<void> {
  const outDir = options.outDir ?? REPO_ROOT;
  for (const def of MODULES) {
    const files = await renderModuleFiles(def);
    const dir = join(outDir, "modules", def.name);
    await mkdir(dir, { recursive: true });
    for (const existing of await readdir(dir)) {
      if (/\.tf(\.json)?$/.test(existing) && !(`modules/${def.name}/${existing}` in files)) {
        await rm(join(dir, existing));
      }
    }
    for (const [path, text] of Object.entries(files)) await writeFile(join(outDir, path), text);
  }
  await writeFile(join(outDir, "main.tf"), await renderRoot());
}

if (import.meta.main) {
  const started = performance.now();
  await synthAll();
  console.log(
    `synthesized ${MODULES.map((m) => `modules/${m.name}`).join(", ")} in ${Math.round(performance.now() - started)} ms`,
  );
}
