import { describe, expect, test } from "bun:test";
import { awsTestEnv } from "./aws-env.ts";

describe("awsTestEnv", () => {
  test("region, dummy credentials, endpoints; nothing that could reach real AWS", () => {
    expect(
      awsTestEnv({
        sqs: { endpoint: "http://127.0.0.1:1" },
        secrets: { url: "http://127.0.0.1:2" },
        agentcore: "http://127.0.0.1:3",
        maxAttempts: 1,
      }),
    ).toEqual({
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_ENDPOINT_URL: undefined,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:1",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:2",
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: "http://127.0.0.1:3",
      AWS_MAX_ATTEMPTS: "1",
    });
  });
});
