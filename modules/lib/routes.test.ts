import { describe, expect, test } from "bun:test";
import { BundledFunction } from "./function.ts";
import { HttpApi } from "./http-api.ts";
import { LambdaRoutes } from "./routes.ts";
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

describe("LambdaRoutes", () => {
  test("GET and POST on one path: one integration, a route and a method-scoped permission each", () => {
    const { stack, fn, api } = setup();
    const routes = new LambdaRoutes(stack, "Routes", {
      terraformName: "whatsapp",
      api,
      path: "/whatsapp",
      methods: ["GET", "POST"],
      fn,
    });
    expect(routes.path).toBe("/whatsapp");
    const config = synthJson(stack);
    expect(
      Object.keys((config.resource as Record<string, object>).aws_apigatewayv2_integration ?? {}),
    ).toEqual(["whatsapp"]);
    expect(block(config, "aws_apigatewayv2_integration", "whatsapp")).toMatchObject({
      integration_type: "AWS_PROXY",
      payload_format_version: "2.0",
      integration_uri: "${aws_lambda_function.ingress.invoke_arn}",
    });
    for (const method of ["GET", "POST"]) {
      const name = `whatsapp_${method.toLowerCase()}`;
      expect(block(config, "aws_apigatewayv2_route", name)).toMatchObject({
        route_key: `${method} /whatsapp`,
        target: "integrations/${aws_apigatewayv2_integration.whatsapp.id}",
      });
      expect(block(config, "aws_lambda_permission", name)).toMatchObject({
        statement_id: `AllowApiGateway${method}_whatsapp`,
        principal: "apigateway.amazonaws.com",
        function_name: "${aws_lambda_function.ingress.function_name}",
        source_arn: `\${local.http_api_execution_arn}/*/${method}/whatsapp`,
      });
    }
  });

  test("refuses a bad path, no methods, or a method twice", () => {
    const { stack, fn, api } = setup();
    expect(() => new LambdaRoutes(stack, "A", { api, fn, path: "whatsapp", methods: ["GET"] })).toThrow(
      'path "whatsapp" must look like "/whatsapp"',
    );
    expect(() => new LambdaRoutes(stack, "B", { api, fn, path: "/w", methods: [] })).toThrow("not empty");
    expect(() => new LambdaRoutes(stack, "C", { api, fn, path: "/w", methods: ["GET", "GET"] })).toThrow(
      "distinct",
    );
  });
});
