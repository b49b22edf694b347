import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PROVIDERS } from "./providers.ts";

const require = createRequire(import.meta.url);

/** The Terraform provider version a prebuilt CDKTF binding was generated from. */
function bindingProviderVersion(pkg: string): string {
  const dir = dirname(require.resolve(`${pkg}/lib/index.js`));
  const json = JSON.parse(readFileSync(join(dir, "..", "package.json"), "utf8"));
  return json.cdktf.provider.version as string;
}

describe("provider constraints", () => {
  for (const [name, p] of Object.entries(PROVIDERS)) {
    test(`${name}: the minimum is the major.minor the ${p.binding} binding targets`, () => {
      const [major, minor] = bindingProviderVersion(p.binding).split(".");
      expect(p.version).toBe(`>= ${major}.${minor}`);
      expect(p.source).toBe(`hashicorp/${name}`);
    });
  }
});
