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
 * lock file or state is ever left in the repository. Without a terraform binary or the mirror the
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
/** Two at a time: a plan starts the ~700 MB provider, and the CI machine has two cores. */
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

async function terraform(cwd: string, args: string[]): Promise<Run> {
  const proc = Bun.spawn(["terraform", ...args], {
    cwd,
    env: {
      ...process.env,
      TF_CLI_CONFIG_FILE: CLI_CONFIG,
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      TF_PLUGIN_CACHE_DIR: "",
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

/** init, validate, test of one configuration; stops at the first failure. */
async function check(config: Configuration): Promise<Run[]> {
  const cwd = join(work, config.dir);
  const runs: Run[] = [];
  for (const args of [
    ["init", "-backend=false", "-input=false", "-no-color"],
    ["validate", "-no-color"],
    ["test", "-no-color", ...(config.testDir ? [`-test-directory=${config.testDir}`] : [])],
  ]) {
    const run = await terraform(cwd, args);
    runs.push(run);
    if (run.code !== 0) break;
  }
  return runs;
}

/** Runs `jobs` with at most `limit` at once; the promises settle in any order. */
function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T>[] {
  let running = 0;
  const waiting: (() => void)[] = [];
  return jobs.map(async (job) => {
    while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  });
}

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
  const jobs = CONFIGURATIONS.map((config) => () => check(config));
  pool(jobs, PARALLEL).forEach((promise, i) => {
    results.set((CONFIGURATIONS[i] as Configuration).dir, promise);
  });
});

afterAll(async () => {
  await Promise.allSettled(results.values());
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
