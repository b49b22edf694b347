import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT, renderRoot } from "../../scripts/synth.ts";
import { renderSharedSettings, SHARED_SETTINGS_MARKER, sharedSettings } from "./root.ts";

const MAIN = `module "telegram" {
  source = "./modules/telegram"
  count  = var.enable_telegram ? 1 : 0

  name = "\${var.name}-telegram"

  ${SHARED_SETTINGS_MARKER}
  stale = var.stale
}

module "relay" {
  source = "./modules/relay"

  ${SHARED_SETTINGS_MARKER}

  discord = null
}
`;

describe("the root's shared settings", () => {
  test("every channel input but each channel's own (name, allowlist, secret), in the modules' order", () => {
    const shared = sharedSettings();
    expect(shared.slice(0, 4)).toEqual([
      "agent_runtime_arn",
      "agent_qualifier",
      "enable_agent_user_id",
      "session_scope",
    ]);
    expect(shared.at(-1)).toBe("tags");
    for (const own of ["name", "allowed_users", "secret_arn"]) expect(shared).not.toContain(own);
  });

  test("after each block's marker, one aligned line per shared setting the module has; what was there goes", () => {
    const inputs: Record<string, string[]> = {
      telegram: ["name", "tags", "log_level", "agent_runtime_arn", "bot_token"],
      relay: ["name", "tags", "log_retention_days"],
    };
    expect(renderSharedSettings(MAIN, (dir) => inputs[dir] ?? [])).toBe(`module "telegram" {
  source = "./modules/telegram"
  count  = var.enable_telegram ? 1 : 0

  name = "\${var.name}-telegram"

  ${SHARED_SETTINGS_MARKER}
  agent_runtime_arn = var.agent_runtime_arn
  log_level         = var.log_level
  tags              = var.tags
}

module "relay" {
  source = "./modules/relay"

  ${SHARED_SETTINGS_MARKER}
  log_retention_days = var.log_retention_days
  tags               = var.tags

  discord = null
}
`);
  });

  test("a module block without the marker is refused, so no module misses its settings", () => {
    const unmarked = MAIN.replace(`  ${SHARED_SETTINGS_MARKER}\n\n  discord`, "  discord");
    expect(() => renderSharedSettings(unmarked, () => [])).toThrow('module "relay" has no');
  });

  test("the committed main.tf is what a build writes", async () => {
    const committed = await readFile(join(REPO_ROOT, "main.tf"), "utf8");
    expect(
      (await renderRoot()) === committed,
      "main.tf's shared settings are stale: run `bun run build`",
    ).toBe(true);
  });
});
