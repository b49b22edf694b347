import { describe, expect, test } from "bun:test";
import { BundledFunction, type BundledFunctionProps } from "./function.ts";
import { block, synthJson, testStack } from "./testing.ts";

const props: BundledFunctionProps = {
  functionName: "bot-ingress",
  bundle: "dist/ingress.mjs",
  handler: "ingress.handler",
  memorySizeMb: 256,
  timeoutSeconds: 10,
  environment: { LOG_LEVEL: "info" },
  logRetentionDays: 14,
};

describe("BundledFunction", () => {
  test("deploys the committed zip beside the bundle, relative to the module, on nodejs22.x arm64", () => {
    const stack = testStack();
    new BundledFunction(stack, "Ingress", props);
    const config = synthJson(stack);
    expect((config.data as Record<string, unknown>).archive_file).toBeUndefined();
    const fn = block(config, "aws_lambda_function", "ingress");
    expect(fn).toMatchObject({
      function_name: "bot-ingress",
      handler: "ingress.handler",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      memory_size: 256,
      timeout: 10,
      filename: "${path.module}/dist/ingress.zip",
      source_code_hash: '${filebase64sha256("${path.module}/dist/ingress.zip")}',
      role: "${aws_iam_role.ingress.arn}",
      environment: { variables: { LOG_LEVEL: "info" } },
    });
    // Created after its log group and permissions, so Lambda never makes an unmanaged group.
    expect(fn.depends_on).toEqual(["aws_cloudwatch_log_group.ingress", "aws_iam_role_policy.ingress"]);
    expect(block(config, "aws_cloudwatch_log_group", "ingress")).toMatchObject({
      name: "/aws/lambda/bot-ingress",
      retention_in_days: 14,
    });
  });

  test("the role policy starts with writing its own log streams only", () => {
    const stack = testStack();
    new BundledFunction(stack, "Ingress", props);
    const doc = block(synthJson(stack), "aws_iam_policy_document", "ingress", "data");
    expect(doc.statement).toEqual([
      {
        sid: "WriteOwnLogs",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: ["${aws_cloudwatch_log_group.ingress.arn}:*"],
      },
    ]);
  });

  test("functions share one Lambda trust policy", () => {
    const stack = testStack();
    new BundledFunction(stack, "Ingress", props);
    new BundledFunction(stack, "Worker", {
      ...props,
      functionName: "bot-worker",
      bundle: "dist/worker.mjs",
      handler: "worker.handler",
    });
    const config = synthJson(stack);
    const trust = block(config, "aws_iam_policy_document", "lambda_assume_role", "data");
    expect(trust.statement).toEqual([
      {
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
      },
    ]);
    for (const name of ["ingress", "worker"]) {
      expect(block(config, "aws_iam_role", name).assume_role_policy).toBe(
        "${data.aws_iam_policy_document.lambda_assume_role.json}",
      );
    }
  });

  test("refuses wildcard actions, a * resource and duplicate statement ids", () => {
    const fn = new BundledFunction(testStack(), "Ingress", props);
    expect(() => fn.addToRolePolicy({ sid: "All", actions: ["sqs:*"], resources: ["arn"] })).toThrow(
      'wildcard action "sqs:*"',
    );
    expect(() => fn.addToRolePolicy({ sid: "Any", actions: ["sqs:SendMessage"], resources: ["*"] })).toThrow(
      'resource "*"',
    );
    expect(() =>
      fn.addToRolePolicy({ sid: "WriteOwnLogs", actions: ["logs:PutLogEvents"], resources: ["arn"] }),
    ).toThrow('already has a statement "WriteOwnLogs"');
  });

  test("refuses bad literal props with the value in the message", () => {
    expect(() => new BundledFunction(testStack(), "F", { ...props, timeoutSeconds: 901 })).toThrow(
      "timeoutSeconds is 901; it must be an integer from 1 to 900",
    );
    expect(() => new BundledFunction(testStack(), "F", { ...props, memorySizeMb: 64 })).toThrow(
      "memorySizeMb is 64",
    );
    expect(() => new BundledFunction(testStack(), "F", { ...props, handler: "handler" })).toThrow(
      'handler "handler"',
    );
    expect(() => new BundledFunction(testStack(), "F", { ...props, bundle: "/abs/ingress.mjs" })).toThrow(
      "must be a .mjs path inside the module",
    );
  });
});
