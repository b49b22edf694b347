import { describe, expect, test } from "bun:test";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { DataResource, TerraformResource } from "cdktf";
import { named, output, variable } from "./expr.ts";
import { generatedHeader, renderModule } from "./render.ts";
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
  test("splits into versions/variables/main/outputs, each with the generated header first", () => {
    const files = renderModule(sample(), { source: "modules/x/module.ts" });
    expect(Object.keys(files)).toEqual([
      "versions.tf.json",
      "variables.tf.json",
      "main.tf.json",
      "outputs.tf.json",
    ]);
    for (const text of Object.values(files)) {
      expect(Object.keys(JSON.parse(text))[0]).toBe("//");
      expect(JSON.parse(text)["//"]).toBe(generatedHeader("modules/x/module.ts"));
      expect(text.endsWith("}\n")).toBe(true);
    }
  });

  test("no provider, no backend, no CDKTF metadata; required_providers of the providers used", () => {
    const files = renderModule(sample(), { source: "s" });
    const all = Object.values(files).join("\n");
    expect(all).not.toContain('"provider"');
    expect(all).not.toContain('"backend"');
    expect(all).not.toContain("metadata");
    expect(all).not.toContain("uniqueId");
    expect(JSON.parse(files["versions.tf.json"] as string).terraform).toEqual({
      required_providers: { aws: { source: "hashicorp/aws", version: ">= 5.100, < 7.0" } },
      required_version: ">= 1.11",
    });
  });

  test("requires the providers of the resources used, never Terraform's own, and refuses one without a constraint", () => {
    const stack = sample();
    named(new DataResource(stack, "Token", {}), "token");
    const versions = JSON.parse(renderModule(stack, { source: "s" })["versions.tf.json"] as string);
    expect(Object.keys(versions.terraform.required_providers)).toEqual(["aws"]);
    named(
      new TerraformResource(stack, "Pw", {
        terraformResourceType: "random_password",
        terraformGeneratorMetadata: { providerName: "random" },
      }),
      "pw",
    );
    expect(() => renderModule(stack, { source: "s" })).toThrow('version constraint for provider "random"');
  });

  test("sorts keys at every level and gives the same bytes every time", () => {
    const a = renderModule(sample(), { source: "s" });
    const b = renderModule(sample(), { source: "s" });
    expect(a).toEqual(b);
    const queue = JSON.parse(a["main.tf.json"] as string).resource.aws_sqs_queue.this;
    expect(Object.keys(queue)).toEqual(["fifo_queue", "name"]);
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
