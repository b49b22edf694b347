import { describe, expect, test } from "bun:test";
import { addr, baseName, local, logicalName, output, tfString, variable } from "./expr.ts";
import { synthJson, testStack } from "./testing.ts";

describe("expr", () => {
  test("variables: null default makes an input optional and nullable; others are non-nullable", () => {
    const stack = testStack();
    variable(stack, "arn", { type: "string", description: "ARN.", default: null });
    variable(stack, "size", { type: "number", description: "Size.", default: 3 });
    variable(stack, "name", {
      type: "string",
      description: "Name.",
      validation: [{ condition: "length(var.name) > 0", errorMessage: "empty" }],
    });
    const vars = synthJson(stack).variable as Record<string, Record<string, unknown>>;
    expect(vars.arn).toEqual({ default: null, description: "ARN.", nullable: true, type: "string" });
    expect(vars.size).toEqual({ default: 3, description: "Size.", nullable: false, type: "number" });
    expect(vars.name).toEqual({
      description: "Name.",
      nullable: false,
      type: "string",
      validation: [{ condition: "${length(var.name) > 0}", error_message: "empty" }],
    });
  });

  test("raw expressions keep their Terraform text; locals and outputs may share a variable's name", () => {
    const stack = testStack();
    const v = variable(stack, "secret_arn", { type: "string", description: "x", default: null });
    const l = local(
      stack,
      "secret_arn",
      `${addr(v)} == null ? aws_secretsmanager_secret.this[0].arn : ${addr(v)}`,
    );
    output(stack, "secret_arn", tfString(addr(l)), "ARN.");
    const config = synthJson(stack);
    expect((config.locals as Record<string, string>).secret_arn).toBe(
      "${var.secret_arn == null ? aws_secretsmanager_secret.this[0].arn : var.secret_arn}",
    );
    expect((config.output as Record<string, unknown>).secret_arn).toEqual({
      description: "ARN.",
      value: "${local.secret_arn}",
    });
  });

  test("naming", () => {
    expect(logicalName("this")).toBe("this");
    expect(logicalName("this", "dlq")).toBe("dlq");
    expect(logicalName("events", "dlq")).toBe("events_dlq");
    expect(baseName("WorkerEvents", {})).toBe("worker_events");
    expect(baseName("WorkerEvents", { terraformName: "worker" })).toBe("worker");
    expect(() => local(testStack(), "Bad-Name", "1")).toThrow('Terraform name "Bad-Name"');
  });
});
