/**
 * Bundle sizes: every channel's committed bundles (what Terraform zips and deploys) and the peers,
 * minified and gzipped, with what the bytes are — the AWS SDK, the web framework, our own code.
 */
import { join } from "node:path";
import { bundleEntry, outRoot, root, sizeOf } from "./lib/build.ts";
import type { BenchStack, Subject } from "./stack.ts";

/** One bundle's size and make-up. */
export interface SizeRow {
  readonly name: string;
  readonly role: string;
  readonly kind: Subject["kind"];
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Output bytes per group: "AWS SDK", "our code", and each other package. */
  readonly groups: Record<string, number>;
}

const AWS_SDK = /^(@aws-sdk\/|@smithy\/|@aws\/|@aws-crypto\/)|^(bowser|fast-xml-parser|strnum|tslib|uuid)$/;

/** Folds a per-package byte count into the groups a reader cares about. */
export function groupPackages(byPackage: Record<string, number>): Record<string, number> {
  const groups: Record<string, number> = {};
  for (const [name, bytes] of Object.entries(byPackage)) {
    const group = AWS_SDK.test(name)
      ? "AWS SDK"
      : /^(handlers|relay)\//.test(name)
        ? "our code"
        : name.startsWith("bench/")
          ? "peer's own code"
          : name;
    groups[group] = (groups[group] ?? 0) + bytes;
  }
  return groups;
}

/** Sizes of every bundle the stack knows, then the peers'. */
export async function measureSizes(stack: BenchStack): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  for (const { channel, role, path } of stack.bundles) {
    const shipped = await sizeOf(path);
    // The same build again, with a metafile: which package the bytes come from.
    const built = await bundleEntry(
      join(root, "handlers", channel, `${role}.ts`),
      join(outRoot, "sizes", channel),
      `${role}.mjs`,
    );
    rows.push({ name: channel, role, kind: "ours", ...shipped, groups: groupPackages(built.byPackage) });
  }
  for (const subject of stack.subjects) {
    if (subject.kind === "ours") continue;
    rows.push({
      name: subject.name,
      role: "ingress",
      kind: subject.kind,
      ...(await sizeOf(subject.bundle)),
      groups: groupPackages(subject.byPackage ?? {}),
    });
  }
  return rows;
}
