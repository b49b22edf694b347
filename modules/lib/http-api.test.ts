import { describe, expect, test } from "bun:test";
import { BundledFunction } from "./function.ts";
import { HttpApi, LambdaRoute } from "./http-api.ts";
import { block, synthJson, testStack } from "./testing.ts";

function setup() {
  const stack = testStack();
  const fn = new BundledFunction(stack, "Ingress", {
    functionName: "bot-ingress",
    bundle: "dist/ingress.mjs",
    handler: "ingress.handler",
    memorySizeMb: 128,
    timeoutSeconds: 10,
    environment: {},
    logRetentionDays: 1,
  });
  const api = new HttpApi(stack, "Api", {
    terraformName: "this",
    name: "bot",
    existingApiId: "var.http_api_id",
    throttlingRateLimit: 50,
    throttlingBurstLimit: 100,
    logRetentionDays: 14,
  });
  return { stack, fn, api };
}

describe("HttpApi + LambdaRoute", () => {
  test("creates the API and an auto-deployed $default stage, or looks the given one up", () => {
    const { stack } = setup();
    const config = synthJson(stack);
    expect(block(config, "aws_apigatewayv2_api", "this")).toMatchObject({
      count: "${var.http_api_id == null ? 1 : 0}",
      protocol_type: "HTTP",
    });
    expect(block(config, "aws_apigatewayv2_stage", "this")).toMatchObject({
      count: "${var.http_api_id == null ? 1 : 0}",
      api_id: "${aws_apigatewayv2_api.this[0].id}",
      name: "$default",
      auto_deploy: true,
      default_route_settings: { throttling_rate_limit: 50, throttling_burst_limit: 100 },
      access_log_settings: { destination_arn: "${aws_cloudwatch_log_group.access[0].arn}" },
    });
    expect(block(config, "aws_cloudwatch_log_group", "access")).toMatchObject({
      count: "${var.http_api_id == null ? 1 : 0}",
      name: "/aws/apigateway/bot",
      retention_in_days: 14,
    });
    const stage = block(config, "aws_apigatewayv2_stage", "this") as {
      access_log_settings: { format: string };
    };
    expect(Object.keys(JSON.parse(stage.access_log_settings.format))).toEqual([
      "requestId",
      "time",
      "ip",
      "route",
      "status",
      "length",
      "latencyMs",
      "integrationMs",
      "integrationStatus",
      "error",
    ]);
    expect(block(config, "aws_apigatewayv2_api", "this", "data")).toEqual({
      count: "${var.http_api_id == null ? 0 : 1}",
      api_id: "${var.http_api_id}",
    });
    expect((config.locals as Record<string, string>).http_api_execution_arn).toBe(
      "${var.http_api_id == null ? aws_apigatewayv2_api.this[0].execution_arn : data.aws_apigatewayv2_api.this[0].execution_arn}",
    );
  });

  test("route → AWS_PROXY payload 2.0 integration, permission scoped to the route", () => {
    const { stack, fn, api } = setup();
    new LambdaRoute(stack, "Route", { terraformName: "telegram", api, routeKey: "POST /telegram", fn });
    const config = synthJson(stack);
    expect(block(config, "aws_apigatewayv2_integration", "telegram")).toMatchObject({
      api_id: "${local.http_api_id}",
      integration_type: "AWS_PROXY",
      payload_format_version: "2.0",
      integration_uri: "${aws_lambda_function.ingress.invoke_arn}",
    });
    expect(block(config, "aws_apigatewayv2_route", "telegram")).toMatchObject({
      route_key: "POST /telegram",
      target: "integrations/${aws_apigatewayv2_integration.telegram.id}",
    });
    expect(block(config, "aws_lambda_permission", "telegram")).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "apigateway.amazonaws.com",
      function_name: "${aws_lambda_function.ingress.function_name}",
      source_arn: "${local.http_api_execution_arn}/*/POST/telegram",
    });
  });

  test("refuses a route key that is not METHOD /path", () => {
    const { stack, fn, api } = setup();
    expect(() => new LambdaRoute(stack, "R", { api, routeKey: "/telegram", fn })).toThrow(
      'routeKey "/telegram" must look like "POST /telegram"',
    );
  });
});
