import { tmpdir } from "node:os";
import { App, TerraformDataSource, type TerraformElement, TerraformResource, TerraformStack } from "cdktf";
import type { Construct } from "constructs";

/**
 * A CDKTF stack that synthesizes to a reusable Terraform module rather than a root configuration.
 *
 * Differences from `TerraformStack`: Terraform names come from the construct path in snake_case
 * (`ingress`, `webhook_secret`) instead of hashed ids, so they stay stable and readable; the lib
 * constructs name their resources explicitly with `named()`. No provider and no backend are ever
 * rendered (see `renderModule`).
 */
export class ModuleStack extends TerraformStack {
  protected override allocateLogicalId(element: TerraformElement): string {
    const path = element.node.scopes.slice(element.node.scopes.indexOf(this) + 1).map((c) => c.node.id);
    return path
      .join("_")
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/[^A-Za-z0-9_]/g, "_")
      .toLowerCase();
  }

  /** Every resource and data source as `type.name` (data sources as `data.type.name`), in construct order. */
  addresses(): string[] {
    return this.node.findAll().flatMap((c) => {
      if (c instanceof TerraformDataSource) return [`data.${c.terraformResourceType}.${c.friendlyUniqueId}`];
      if (c instanceof TerraformResource) return [`${c.terraformResourceType}.${c.friendlyUniqueId}`];
      return [];
    });
  }
}

/**
 * A CDKTF app that is only used as the root of module stacks: nothing is written by it
 * (its out dir is the existing system temp dir, and `synth()` is never called).
 */
export function moduleApp(): App {
  return new App({ outdir: tmpdir(), skipValidation: true, stackTraces: false });
}

/** Build a module stack in a fresh app: `createModule((app) => new TelegramModule(app, "telegram"))`. */
export function createModule<T extends ModuleStack>(factory: (scope: Construct) => T): T {
  return factory(moduleApp());
}
