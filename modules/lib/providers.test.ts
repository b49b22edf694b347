import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { MINIMUM_AWS_PROVIDER, PROVIDERS, REQUIRED_TERRAFORM_VERSION } from "./providers.ts";

const require = createRequire(import.meta.url);

/** The Terraform provider version a prebuilt CDKTF binding was generated from. */
function bindingProviderVersion(pkg: string): string {
  const dir = dirname(require.resolve(`${pkg}/lib/index.js`));
  const json = JSON.parse(readFileSync(join(dir, "..", "package.json"), "utf8"));
  return json.cdktf.provider.version as string;
}

/** `[major, minor]` of a version string. */
const majorMinor = (version: string) => version.split(".").slice(0, 2).map(Number) as [number, number];
const atLeast = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]);

describe("provider constraints", () => {
  test("aws: from the mirrored 5.100 (planned by terraform test) to below the next major", () => {
    expect(PROVIDERS.aws?.version).toBe(`>= ${MINIMUM_AWS_PROVIDER}, < 7.0`);
    expect(PROVIDERS.aws?.source).toBe("hashicorp/aws");
  });

  test("the binding the constructs compile against lies inside the range (a binding upgrade past it fails here)", () => {
    for (const [name, p] of Object.entries(PROVIDERS)) {
      const bound = majorMinor(bindingProviderVersion(p.binding));
      const [, min, max] = /^>= ([\d.]+), < ([\d.]+)$/.exec(p.version) ?? [];
      expect(min, `${name}: ${p.version}`).toBeDefined();
      expect(atLeast(bound, majorMinor(min as string)), `${name} binding ${bound.join(".")}`).toBe(true);
      expect(atLeast(bound, majorMinor(max as string)), `${name} binding ${bound.join(".")}`).toBe(false);
    }
  });

  test("Terraform 1.11 or later: write-only arguments (secret_string_wo)", () => {
    expect(REQUIRED_TERRAFORM_VERSION).toBe(">= 1.11");
  });
});
