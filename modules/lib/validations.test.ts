import { describe, expect, test } from "bun:test";
import { MODULES, renderModuleConfig } from "../../scripts/synth.ts";
import { REQUIRED_TERRAFORM_VERSION } from "./providers.ts";

/**
 * Rules of every module's variable validations that the plans under Terraform 1.11 cannot show, because
 * they are about older Terraform releases the modules' required_version must then exclude:
 * - `||` and `&&` do not short-circuit before Terraform 1.12, so `var.x == null || length(var.x) > 0`
 *   fails with length(null) when x is null (the Slack app_name defect): only can(...) may follow a null test;
 * - a rule that refers to another variable needs Terraform 1.9 (the relay's memory_mb refers to cpu).
 */

type Validation = { condition: string; error_message: string };
type Variable = { validation?: Validation[]; nullable?: boolean };

const modules = await Promise.all(
  MODULES.map(async (def) => ({
    name: def.name,
    variables: (renderModuleConfig(def).variable ?? {}) as Record<string, Variable>,
  })),
);

/** `>= 1.11` → [1, 11]. */
const minimum = (constraint: string) =>
  (/>= *(\d+)\.(\d+)/.exec(constraint)?.slice(1).map(Number) ?? [0, 0]) as [number, number];

describe("variable validations", () => {
  for (const { name, variables } of modules) {
    test(`${name}: a null test is never followed by || or && with anything but can(...)`, () => {
      const bad: string[] = [];
      for (const [variable, spec] of Object.entries(variables)) {
        for (const rule of spec.validation ?? []) {
          const unsafe = /== null (\|\||&&) (?!can\()/.exec(rule.condition);
          if (unsafe) bad.push(`${variable}: ${rule.condition}`);
        }
      }
      expect(bad).toEqual([]);
    });

    test(`${name}: a rule that refers to another variable is allowed by required_version (Terraform >= 1.9)`, () => {
      const crossing = Object.entries(variables).flatMap(([variable, spec]) =>
        (spec.validation ?? []).flatMap((rule) =>
          [...rule.condition.matchAll(/\bvar\.(\w+)/g)]
            .map((m) => m[1] as string)
            .filter((other) => other !== variable)
            .map((other) => `${variable} → ${other}`),
        ),
      );
      const [major, minor] = minimum(REQUIRED_TERRAFORM_VERSION);
      if (crossing.length > 0) expect(major > 1 || minor >= 9, crossing.join(", ")).toBe(true);
    });
  }

  test("the checks see the known cases", () => {
    expect(/== null (\|\||&&) (?!can\()/.test("var.a == null || length(var.a) > 0")).toBe(true);
    expect(/== null (\|\||&&) (?!can\()/.test('var.a == null || can(regex("x", var.a))')).toBe(false);
    const relay = modules.find((m) => m.name === "relay");
    expect(JSON.stringify(relay?.variables.memory_mb?.validation)).toContain("var.cpu");
  });
});
