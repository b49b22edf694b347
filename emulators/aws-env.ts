/**
 * The AWS variables that point real SDK v3 clients (built with default config) at the local emulators,
 * and keep them away from real AWS.
 */

/** Variables to set; `undefined` removes a variable. */
export type EnvVars = Record<string, string | undefined>;

/** Something with a base URL: an emulator (`url`), embedded SQS (`endpoint`), or a plain URL string. */
export type Endpoint = string | { url: string } | { endpoint: string };

function endpointOf(value: Endpoint): string {
  if (typeof value === "string") return value;
  return "url" in value ? value.url : value.endpoint;
}

/** Options for {@link awsTestEnv}. */
export interface AwsTestEnvOptions {
  sqs?: Endpoint;
  secrets?: Endpoint;
  agentcore?: Endpoint;
  /** The S3 endpoint (fauxqs serves S3 beside SQS, on the same port). */
  s3?: Endpoint;
  region?: string;
  /** Sets AWS_MAX_ATTEMPTS (the SDK's default is 3 attempts with backoff; 1 makes error tests fast). */
  maxAttempts?: number;
}

/**
 * AWS variables for local runs (tests, benchmarks, `bun run dev`): region, dummy static credentials, the
 * service endpoints, and removal of anything that could send a client to real AWS or a real profile (AWS_PROFILE, AWS_SESSION_TOKEN, a global
 * AWS_ENDPOINT_URL, instance metadata).
 */
export function awsTestEnv(options: AwsTestEnvOptions = {}): EnvVars {
  const region = options.region ?? "us-east-1";
  const vars: EnvVars = {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_ENDPOINT_URL: undefined,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  if (options.sqs !== undefined) vars.AWS_ENDPOINT_URL_SQS = endpointOf(options.sqs);
  if (options.secrets !== undefined) vars.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpointOf(options.secrets);
  if (options.agentcore !== undefined)
    vars.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = endpointOf(options.agentcore);
  if (options.s3 !== undefined) vars.AWS_ENDPOINT_URL_S3 = endpointOf(options.s3);
  if (options.maxAttempts !== undefined) vars.AWS_MAX_ATTEMPTS = String(options.maxAttempts);
  return vars;
}
