import { describe, expect, test } from "bun:test";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { DataResource, TerraformResource } from "cdktf";
import { named, output, variable } from "./expr.ts";
import { generatedHeader, moduleConfig, renderModule } from "./render.ts";
import { testStack } from "./testing.ts";

function sample() {
  const stack = testStack();
  const name = variable(stack, "name", { type: "string", description: "Name." });
  const q = named(
    new SqsQueue(stack, "Queue", { name: `${name.stringValue}.fifo`, fifoQueue: true }),
    "this",
  );
  output(stack, "queue_url", q.url, "URL.");
  return stack;
}

describe("renderModule", () => {
  test("HCL split into versions/variables/main/outputs, each with the generated header first", () => {
    const files = renderModule(sample(), { source: "modules/x/module.ts" });
    expect(Object.keys(files)).toEqual(["versions.tf", "variables.tf", "main.tf", "outputs.tf"]);
    for (const text of Object.values(files)) {
      expect(text.startsWith(`# ${generatedHeader("modules/x/module.ts")}\n\n`)).toBe(true);
      expect(text.endsWith("}\n")).toBe(true);
    }
    expect(files["variables.tf"]).toContain(
      'variable "name" {\n  description = "Name."\n  type        = string\n',
    );
    expect(files["main.tf"]).toContain(
      'resource "aws_sqs_queue" "this" {\n  fifo_queue = true\n  name       = "${var.name}.fifo"\n}',
    );
    expect(files["outputs.tf"]).toContain(
      'output "queue_url" {\n  description = "URL."\n  value       = aws_sqs_queue.this.url\n}',
    );
  });

  test("no provider, no backend, no CDKTF metadata; required_providers of the providers used", () => {
    const files = renderModule(sample(), { source: "s" });
    const all = Object.values(files).join("\n");
    expect(all).not.toContain('"provider"');
    expect(all).not.toContain('"backend"');
    expect(all).not.toContain("metadata");
    expect(all).not.toContain("uniqueId");
    expect(moduleConfig(sample()).terraform).toEqual({
      required_providers: { aws: { source: "hashicorp/aws", version: ">= 5.100, < 7.0" } },
      required_version: ">= 1.11",
    });
    expect(files["versions.tf"]).toContain(
      'terraform {\n  required_version = ">= 1.11"\n\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = ">= 5.100, < 7.0"\n    }\n  }\n}',
    );
  });

  test("requires the providers of the resources used, never Terraform's own, and refuses one without a constraint", () => {
    const stack = sample();
    named(new DataResource(stack, "Token", {}), "token");
    const terraform = moduleConfig(stack).terraform as { required_providers: Record<string, unknown> };
    expect(Object.keys(terraform.required_providers)).toEqual(["aws"]);
    named(
      new TerraformResource(stack, "Pw", {
        terraformResourceType: "random_password",
        terraformGeneratorMetadata: { providerName: "random" },
      }),
      "pw",
    );
    expect(() => renderModule(stack, { source: "s" })).toThrow('version constraint for provider "random"');
  });

  test("sorts the configuration's keys at every level and gives the same bytes every time", () => {
    const a = renderModule(sample(), { source: "s" });
    const b = renderModule(sample(), { source: "s" });
    expect(a).toEqual(b);
    const queue = (moduleConfig(sample()).resource as Record<string, Record<string, object>>).aws_sqs_queue
      ?.this;
    expect(Object.keys(queue ?? {})).toEqual(["fifo_queue", "name"]);
  });

  test("refuses two constructs with the same Terraform address", () => {
    const stack = sample();
    named(new SqsQueue(stack, "Other", { name: "other" }), "this");
    expect(() => renderModule(stack, { source: "s" })).toThrow(
      "two constructs are both named aws_sqs_queue.this",
    );
  });

  test("refuses output that contains a local path", () => {
    const stack = sample();
    named(new SqsQueue(stack, "Bad", { name: process.cwd() }), "bad");
    expect(() => renderModule(stack, { source: "s" })).toThrow("contains the local path");
  });
});
