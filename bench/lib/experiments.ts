/**
 * Build variants that test a fix before anyone makes it (Bun plugins over the same sources):
 * - `lazySdk`: the SQS and Secrets Manager clients load on their first `send` through a dynamic
 *   `import()`, as if handlers/core/queue.ts and secrets.ts created them lazily. Bun puts the module
 *   in the same file either way (no splitting): what moves is its evaluation, from the import into
 *   the first request.
 * - `esmSdk`: the SDK resolved to its ES builds (`conditions: ["module"]`) instead of the CommonJS
 *   ones Bun picks for `target: "node"`, so unused parts are tree-shaken away.
 */
import type { BunPlugin } from "bun";

/** The names the core imports from each client package, with the client class first. */
const PACKAGES: Record<string, string[]> = {
  "@aws-sdk/client-sqs": [
    "SQSClient",
    "SendMessageCommand",
    "SendMessageBatchCommand",
    "ChangeMessageVisibilityBatchCommand",
  ],
  "@aws-sdk/client-secrets-manager": ["SecretsManagerClient", "GetSecretValueCommand"],
};

/** A module exporting the same names, whose client imports the real package on its first `send`. */
function shim(real: string, names: string[]): string {
  const [client, ...commands] = names;
  return [
    `const load = () => import(${JSON.stringify(real)});`,
    `export class ${client} {`,
    "  constructor(config) { this.config = config; }",
    "  async send(command) {",
    "    const sdk = await load();",
    `    this.real ??= new sdk.${client}(this.config);`,
    "    return this.real.send(new sdk[command.constructor.op](command.input));",
    "  }",
    "  destroy() { this.real?.destroy(); }",
    "}",
    ...commands.map(
      (name) =>
        `export class ${name} { static op = ${JSON.stringify(name)}; constructor(input) { this.input = input; } }`,
    ),
  ].join("\n");
}

/** The lazy-SDK variant's plugin. */
export const lazySdk: BunPlugin = {
  name: "lazy-sdk",
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/client-(sqs|secrets-manager)$/ }, (args) => ({
      path: args.path,
      namespace: "lazy-sdk",
    }));
    build.onLoad({ filter: /.*/, namespace: "lazy-sdk" }, (args) => ({
      contents: shim(Bun.resolveSync(args.path, import.meta.dir), PACKAGES[args.path] ?? []),
      loader: "js",
    }));
  },
};

/** Build options of the ES-builds variant. */
export const esmSdk = { conditions: ["module"] };
