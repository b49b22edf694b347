import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsApigatewayv2Api } from "@cdktf/provider-aws/lib/data-aws-apigatewayv2-api";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import {
  addr,
  baseName,
  local,
  logicalName,
  named,
  type TerraformNameProps,
  tfNumber,
  tfString,
} from "./expr.ts";
import type { BundledFunction } from "./function.ts";
import type { ChannelVariables } from "./variables.ts";

export interface HttpApiProps extends TerraformNameProps {
  /** Name of the API when it is created. */
  readonly name: string;
  /**
   * Raw Terraform expression of the id of an existing HTTP API to mount routes on, or `null` to create one,
   * e.g. `var.http_api_id`. Must be known at plan time (it decides what is created).
   */
  readonly existingApiId: string;
  /** Steady-state requests per second the created stage lets through (all routes together); more get 429. */
  readonly throttlingRateLimit: number;
  /** Requests the created stage lets through in a burst above the rate. */
  readonly throttlingBurstLimit: number;
  /** Retention of the created stage's access log, in days, one of `LOG_RETENTION_DAYS`. */
  readonly logRetentionDays: number;
  readonly tags?: Record<string, string>;
}

/**
 * One JSON line per request in the access log: who called which route, the answer, and how long the
 * function took (no headers, no body, so no signature or message text).
 */
export const ACCESS_LOG_FORMAT = {
  requestId: "$context.requestId",
  time: "$context.requestTimeEpoch",
  ip: "$context.identity.sourceIp",
  route: "$context.routeKey",
  status: "$context.status",
  length: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationMs: "$context.integrationLatency",
  integrationStatus: "$context.integrationStatus",
  error: "$context.integrationErrorMessage",
} as const;

/**
 * An API Gateway HTTP API: created (with a `$default` stage that auto-deploys, throttles every route to
 * `throttlingRateLimit`/`throttlingBurstLimit` and writes an access log) when `existingApiId` is null,
 * otherwise looked up with a data source (its stage, throttling and logs are then its owner's).
 * Either way `apiId`, `apiEndpoint` and `executionArn` are locals.
 *
 * Terraform names: `aws_apigatewayv2_api.<terraformName>`, `aws_apigatewayv2_stage.<terraformName>`,
 * `aws_cloudwatch_log_group.<terraformName>_access` (`access` when it is `this`), `data.aws_apigatewayv2_api.<terraformName>`,
 * `local.http_api_id`, `local.http_api_endpoint`, `local.http_api_execution_arn` (prefixed `<terraformName>_` unless it is `this`).
 */
export class HttpApi extends Construct {
  /** The API id (created or existing). */
  readonly apiId: string;
  /** Base URL, `https://<api-id>.execute-api.<region>.amazonaws.com`; routes of the `$default` stage hang off it. */
  readonly apiEndpoint: string;
  /** `arn:aws:execute-api:<region>:<account>:<api-id>`, for Lambda permissions. */
  readonly executionArn: string;
  /** The `$default` stage when the API is created (count 0 otherwise): depend on it before using the URL. */
  readonly stage: Apigatewayv2Stage;
  /** The stage's access log group when the API is created (count 0 otherwise). */
  readonly accessLogGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    const existing = props.existingApiId;
    const api = named(
      new Apigatewayv2Api(this, "Api", {
        count: tfNumber(`${existing} == null ? 1 : 0`),
        name: props.name,
        protocolType: "HTTP",
        tags: props.tags,
      }),
      tfName,
    );
    this.accessLogGroup = named(
      new CloudwatchLogGroup(this, "AccessLog", {
        count: tfNumber(`${existing} == null ? 1 : 0`),
        name: `/aws/apigateway/${props.name}`,
        retentionInDays: props.logRetentionDays,
        tags: props.tags,
      }),
      logicalName(tfName, "access"),
    );
    this.stage = named(
      new Apigatewayv2Stage(this, "Stage", {
        count: tfNumber(`${existing} == null ? 1 : 0`),
        apiId: tfString(`${addr(api)}[0].id`),
        name: "$default",
        autoDeploy: true,
        defaultRouteSettings: {
          throttlingRateLimit: props.throttlingRateLimit,
          throttlingBurstLimit: props.throttlingBurstLimit,
        },
        accessLogSettings: {
          destinationArn: tfString(`${addr(this.accessLogGroup)}[0].arn`),
          format: JSON.stringify(ACCESS_LOG_FORMAT),
        },
        tags: props.tags,
      }),
      tfName,
    );

    const lookup = named(
      new DataAwsApigatewayv2Api(this, "Existing", {
        count: tfNumber(`${existing} == null ? 0 : 1`),
        apiId: tfString(existing),
      }),
      tfName,
    );
    const pick = (attr: string) =>
      `${existing} == null ? ${addr(api)}[0].${attr} : ${addr(lookup)}[0].${attr}`;
    this.apiId = local(this, logicalName(tfName, "http_api_id"), pick("id")).asString;
    this.apiEndpoint = local(this, logicalName(tfName, "http_api_endpoint"), pick("api_endpoint")).asString;
    this.executionArn = local(
      this,
      logicalName(tfName, "http_api_execution_arn"),
      pick("execution_arn"),
    ).asString;
  }
}

/**
 * The API props every channel module takes from its shared inputs (`http_api_id`, the throttling inputs,
 * `log_retention_days`).
 *
 * @example new HttpApi(this, "Api", { terraformName: "this", ...channelApiInputs(v) })
 */
export function channelApiInputs(v: ChannelVariables): HttpApiProps {
  return {
    name: v.name.stringValue,
    existingApiId: addr(v.httpApiId),
    throttlingRateLimit: v.apiThrottlingRateLimit.numberValue,
    throttlingBurstLimit: v.apiThrottlingBurstLimit.numberValue,
    logRetentionDays: v.logRetentionDays.numberValue,
    tags: v.tags.value,
  };
}

export interface LambdaRouteProps extends TerraformNameProps {
  readonly api: HttpApi;
  /** `METHOD /path`, e.g. `POST /telegram`. */
  readonly routeKey: string;
  /** The function behind the route (payload format 2.0). */
  readonly fn: BundledFunction;
}

/**
 * A route of an HTTP API to a Lambda function: `AWS_PROXY` integration with payload format 2.0, the route,
 * and the permission for API Gateway to invoke the function from this route only.
 * Terraform names: `aws_apigatewayv2_integration.<terraformName>`, `aws_apigatewayv2_route.<terraformName>`, `aws_lambda_permission.<terraformName>`.
 */
export class LambdaRoute extends Construct {
  readonly integration: Apigatewayv2Integration;
  readonly route: Apigatewayv2Route;
  readonly permission: LambdaPermission;
  /** The route's path, e.g. `/telegram`. */
  readonly path: string;

  constructor(scope: Construct, id: string, props: LambdaRouteProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    const match = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (\/[A-Za-z0-9/_{}+.-]*)$/.exec(
      props.routeKey,
    );
    if (!match) throw new Error(`LambdaRoute: routeKey "${props.routeKey}" must look like "POST /telegram"`);
    const [, method, path] = match as unknown as [string, string, string];
    this.path = path;

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
    this.route = named(
      new Apigatewayv2Route(this, "Route", {
        apiId: props.api.apiId,
        routeKey: props.routeKey,
        target: `integrations/${this.integration.id}`,
      }),
      tfName,
    );
    this.permission = named(
      new LambdaPermission(this, "Permission", {
        statementId: "AllowApiGatewayRoute",
        action: "lambda:InvokeFunction",
        functionName: props.fn.function.functionName,
        principal: "apigateway.amazonaws.com",
        // execute-api ARNs are <api>/<stage>/<method><path>; any stage, this method and path only.
        sourceArn: `${props.api.executionArn}/*/${method === "ANY" ? "*" : method}${path}`,
      }),
      tfName,
    );
  }
}
