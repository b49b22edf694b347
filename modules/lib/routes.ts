import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import { baseName, named, type TerraformNameProps } from "./expr.ts";
import type { BundledFunction } from "./function.ts";
import type { HttpApi } from "./http-api.ts";

/** HTTP methods a route can serve (API Gateway's, without ANY: each method is granted on its own). */
export type RouteMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

export interface LambdaRoutesProps extends TerraformNameProps {
  readonly api: HttpApi;
  /** The path, e.g. `/whatsapp`. */
  readonly path: string;
  /** The methods served on it, e.g. `["GET", "POST"]` (a handshake and deliveries on one URL). */
  readonly methods: readonly RouteMethod[];
  /** The function behind every route (payload format 2.0). */
  readonly fn: BundledFunction;
}

/**
 * Several methods of one path to one Lambda function: one `AWS_PROXY` integration (payload format
 * 2.0), a route per method, and a permission per route for API Gateway to invoke the function from
 * that method and path only.
 *
 * Terraform names: `aws_apigatewayv2_integration.<terraformName>`, and per method (lower case)
 * `aws_apigatewayv2_route.<terraformName>_<method>`, `aws_lambda_permission.<terraformName>_<method>`.
 */
export class LambdaRoutes extends Construct {
  readonly integration: Apigatewayv2Integration;
  /** The routes, in the order of `methods`. */
  readonly routes: Apigatewayv2Route[];
  /** The permissions, in the order of `methods`. */
  readonly permissions: LambdaPermission[];
  /** The path, e.g. `/whatsapp`. */
  readonly path: string;

  constructor(scope: Construct, id: string, props: LambdaRoutesProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    if (!/^\/[A-Za-z0-9/_{}+.-]*$/.test(props.path)) {
      throw new Error(`LambdaRoutes: path "${props.path}" must look like "/whatsapp"`);
    }
    if (props.methods.length === 0 || new Set(props.methods).size !== props.methods.length) {
      throw new Error(
        `LambdaRoutes: methods must be distinct and not empty, got [${props.methods.join(", ")}]`,
      );
    }
    this.path = props.path;
    this.integration = named(
      new Apigatewayv2Integration(this, "Integration", {
        apiId: props.api.apiId,
        integrationType: "AWS_PROXY",
        integrationMethod: "POST",
        integrationUri: props.fn.function.invokeArn,
        payloadFormatVersion: "2.0",
      }),
      tfName,
    );
    this.routes = [];
    this.permissions = [];
    for (const method of props.methods) {
      const name = `${tfName}_${method.toLowerCase()}`;
      this.routes.push(
        named(
          new Apigatewayv2Route(this, `Route${method}`, {
            apiId: props.api.apiId,
            routeKey: `${method} ${props.path}`,
            target: `integrations/${this.integration.id}`,
          }),
          name,
        ),
      );
      this.permissions.push(
        named(
          new LambdaPermission(this, `Permission${method}`, {
            statementId: `AllowApiGateway${method}${props.path.replace(/[^A-Za-z0-9]/g, "_")}`,
            action: "lambda:InvokeFunction",
            functionName: props.fn.function.functionName,
            principal: "apigateway.amazonaws.com",
            // execute-api ARNs are <api>/<stage>/<method><path>: any stage, this method and path only.
            sourceArn: `${props.api.executionArn}/*/${method}${props.path}`,
          }),
          name,
        ),
      );
    }
  }
}
