/**
 * Terraform in the loop: real `terraform` checks every module, every example and the root module
 * (all channels on, and all off) against the hashicorp/aws provider of the local filesystem mirror,
 * offline, with no AWS account:
 *
 * - `terraform fmt -check` over every hand-written and generated .tf and .tftest.hcl file;
 * - per configuration, `terraform init` (test/terraform/terraform.tfrc: the mirror only), `terraform
 *   validate`, and `terraform test`, whose `mock_provider "aws"` plans (command = plan) assert the
 *   wiring: modules/<name>/tests/, examples/<name>/tests/, and test/terraform/root/ for the root.
 *
 * It all runs on a copy of the Terraform files in a temporary directory, so no .terraform directory,
 * lock file or state is ever left in the repository.
 *
 * Time: the configurations are checked in lanes, PARALLEL at once, the ones with the most plans first.
 * Most of a `terraform test` is spent starting the ~700 MB aws provider (twice per run block), so each
 * lane starts the mirror's provider binary once, as a plugin server (`-debug`), and its `terraform test`
 * commands attach to it (TF_REATTACH_PROVIDERS): the same binary answering the same calls, started once
 * per lane instead of ~10 times per configuration. A lane's provider serves one command at a time, so
 * nothing is shared between commands running at once. `terraform init` and `terraform validate` run as
 * usual (init installs the provider from the mirror, validate starts the installed copy), so the
 * installed provider is still proven to start. Without a terraform binary or the mirror the
 * tests fail, saying what is missing: they never pass without running Terraform.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dir, "..");
const CLI_CONFIG = join(import.meta.dir, "terraform", "terraform.tfrc");
const MIRROR = "/opt/tf-plugins/registry.terraform.io/hashicorp/aws";
/** Two lanes: the CI machine has two cores. */
const PARALLEL = 2;
/** Generous: one configuration's init + validate + test takes about 10 s here. */
const TIMEOUT_MS = 600_000;

/** A configuration Terraform checks: its directory (relative to the repository) and where its tests are. */
interface Configuration {
  readonly dir: string;
  /** `-test-directory`, relative to `dir`. @default "tests" */
  readonly testDir?: string;
}

const dirsUnder = async (parent: string) =>
  (await readdir(join(ROOT, parent), { withFileTypes: true }))
    .filter(
      (e) =>
        e.isDirectory() && ["main.tf", "main.tf.json"].some((f) => existsSync(join(ROOT, parent, e.name, f))),
    )
    .map((e) => `${parent}/${e.name}`)
    .sort();

const CONFIGURATIONS: Configuration[] = [
  ...(await dirsUnder("modules")).map((dir) => ({ dir })),
  ...(await dirsUnder("examples")).map((dir) => ({ dir })),
  { dir: ".", testDir: "test/terraform/root" },
];

interface Run {
  readonly command: string;
  readonly code: number;
  readonly output: string;
}

/** What was wrong with this machine, when Terraform cannot run at all. */
function missing(): string | undefined {
  if (!Bun.which("terraform"))
    return "terraform is not on the PATH: install Terraform >= 1.11 to run the module tests (they never pass without it)";
  if (!existsSync(MIRROR))
    return `the provider mirror ${MIRROR} is missing: test/terraform/terraform.tfrc installs hashicorp/aws from it`;
  return undefined;
}

let work = "";
const results = new Map<string, Promise<Run[]>>();

async function terraform(cwd: string, args: string[], reattach?: string): Promise<Run> {
  const { TF_REATTACH_PROVIDERS: _, ...inherited } = process.env;
  const proc = Bun.spawn(["terraform", ...args], {
    cwd,
    env: {
      ...inherited,
      TF_CLI_CONFIG_FILE: CLI_CONFIG,
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      TF_PLUGIN_CACHE_DIR: "",
      ...(reattach ? { TF_REATTACH_PROVIDERS: reattach } : {}),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { command: `terraform ${args.join(" ")}`, code, output: `${out}${err}` };
}

/** A lane's aws provider, started once as a plugin server; `reattach` is its TF_REATTACH_PROVIDERS value. */
interface ProviderServer {
  readonly reattach: string;
  stop(): void;
}

/** The mirror's provider binary (the one `terraform init` installs): <version>/<os_arch>/terraform-provider-aws_*. */
async function providerBinary(): Promise<string> {
  for (const version of await readdir(MIRROR)) {
    const dir = join(MIRROR, version, "linux_amd64");
    const file = existsSync(dir) && (await readdir(dir)).find((f) => f.startsWith("terraform-provider-aws"));
    if (file) return join(dir, file);
  }
  throw new Error(`no linux_amd64 terraform-provider-aws binary under ${MIRROR}`);
}

/** Starts the provider with `-debug`: it serves until stopped and prints how Terraform attaches to it. */
async function startProvider(binary: string): Promise<ProviderServer> {
  const proc = Bun.spawn([binary, "-debug"], { stdout: "pipe", stderr: "pipe", env: { ...process.env } });
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let printed = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${binary} -debug exited without printing TF_REATTACH_PROVIDERS:\n${printed}`);
    printed += value;
    const reattach = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(printed)?.[1];
    if (reattach) {
      // Keep reading so the provider never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done);
      })();
      void new Response(proc.stderr).text();
      return { reattach, stop: () => proc.kill() };
    }
  }
}

/** init, validate, test of one configuration; stops at the first failure. */
async function check(config: Configuration, provider: ProviderServer): Promise<Run[]> {
  const cwd = join(work, config.dir);
  const runs: Run[] = [];
  for (const [args, reattach] of [
    [["init", "-backend=false", "-input=false", "-no-color"], undefined],
    [["validate", "-no-color"], undefined],
    [
      ["test", "-no-color", ...(config.testDir ? [`-test-directory=${config.testDir}`] : [])],
      provider.reattach,
    ],
  ] as const) {
    const run = await terraform(cwd, [...args], reattach);
    runs.push(run);
    if (run.code !== 0) break;
  }
  return runs;
}

/** How many plans a configuration's tests make (its `run` blocks): the longest are started first. */
async function plansOf(config: Configuration): Promise<number> {
  const dir = join(ROOT, config.dir, config.testDir ?? "tests");
  if (!existsSync(dir)) return 0;
  let plans = 0;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".tftest.hcl")))
    plans += (await Bun.file(join(dir, file)).text()).match(/\brun "[\w-]+" \{/g)?.length ?? 0;
  return plans;
}

/** Checks the configurations in order, one lane per provider; one promise per configuration. */
function checkAll(configs: Configuration[], providers: ProviderServer[]): Map<string, Promise<Run[]>> {
  const settle = new Map<string, { resolve: (runs: Run[]) => void; reject: (e: unknown) => void }>();
  const out = new Map<string, Promise<Run[]>>();
  for (const config of configs)
    out.set(config.dir, new Promise((resolve, reject) => settle.set(config.dir, { resolve, reject })));
  const queue = [...configs];
  for (const provider of providers)
    void (async () => {
      for (let config = queue.shift(); config; config = queue.shift()) {
        const done = settle.get(config.dir);
        await check(config, provider).then(done?.resolve, done?.reject);
      }
    })();
  return out;
}

const providers: ProviderServer[] = [];

beforeAll(async () => {
  if (missing()) return;
  work = await mkdtemp(join(tmpdir(), "agentcore-relay-terraform-"));
  // Only what Terraform reads: the Terraform files, the module packages (dist/*.zip) and the tests.
  await cp(ROOT, work, {
    recursive: true,
    filter: (source) => {
      const path = relative(ROOT, source);
      if (path === "") return true;
      const top = path.split("/")[0] as string;
      if (path === "main.tf") return true;
      if (top === "test") return path === "test" || path.startsWith("test/terraform");
      if (top !== "modules" && top !== "examples") return false;
      return !/(^|\/)(\.terraform|node_modules)(\/|$)|\.terraform\.lock\.hcl$|\.tfstate/.test(path);
    },
  });
  const binary = await providerBinary();
  providers.push(...(await Promise.all(Array.from({ length: PARALLEL }, () => startProvider(binary)))));
  const plans = new Map(
    await Promise.all(CONFIGURATIONS.map(async (c) => [c.dir, await plansOf(c)] as const)),
  );
  const longestFirst = [...CONFIGURATIONS].sort((a, b) => (plans.get(b.dir) ?? 0) - (plans.get(a.dir) ?? 0));
  for (const [dir, promise] of checkAll(longestFirst, providers)) results.set(dir, promise);
});

afterAll(async () => {
  await Promise.allSettled(results.values());
  for (const provider of providers) provider.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test("terraform and the provider mirror are here (the Terraform tests need both)", () => {
  expect(missing() ?? "terraform and the mirror found").toBe("terraform and the mirror found");
});

test(
  "terraform fmt -check: every .tf and .tftest.hcl file is formatted",
  async () => {
    expect(missing()).toBeUndefined();
    const run = await terraform(work, ["fmt", "-check", "-recursive", "-no-color"]);
    expect(run.output.trim(), `${run.command} lists the files to format (run terraform fmt -recursive)`).toBe(
      "",
    );
    expect(run.code).toBe(0);
  },
  TIMEOUT_MS,
);

for (const config of CONFIGURATIONS) {
  const name = config.dir === "." ? "root module" : config.dir;
  describe(name, () => {
    test("has terraform test files with plans (so terraform test cannot pass with nothing to run)", async () => {
      const dir = join(ROOT, config.dir, config.testDir ?? "tests");
      const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith(".tftest.hcl")) : [];
      expect(files.length, `${relative(ROOT, dir)}/*.tftest.hcl`).toBeGreaterThan(0);
      for (const file of files) {
        const text = await Bun.file(join(dir, file)).text();
        expect(text, file).toMatch(/\brun "[\w-]+" \{[\s\S]*?command = plan/);
        expect(text, file).toContain('mock_provider "aws"');
      }
    });
    const step = (index: number, what: string) =>
      test(
        what,
        async () => {
          expect(missing()).toBeUndefined();
          const runs = (await results.get(config.dir)) as Run[];
          const run = runs[index];
          const failed = runs.find((r) => r.code !== 0);
          expect(run, `not run: ${failed?.command} failed first`).toBeDefined();
          if (run && run.code !== 0) throw new Error(`${run.command} in ${config.dir}:\n${run.output}`);
          expect(run?.code).toBe(0);
        },
        TIMEOUT_MS,
      );
    step(0, "terraform init (offline, from the mirror)");
    step(1, "terraform validate");
    step(2, "terraform test (mock_provider plans)");
  });
}
