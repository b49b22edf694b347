import { expect, test } from "bun:test";
import { withEnv } from "../../../test/harness/env.ts";
import { awsRegion, configuredEndpoint, environmentCredentials, regionalEndpoint } from "./environment.ts";

test("endpoints: the service's variable, then the global one, unless configured endpoints are ignored", async () => {
  const vars = {
    AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:1",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: undefined,
    AWS_ENDPOINT_URL: "http://127.0.0.1:2",
  };
  await withEnv({ ...vars, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined }, () => {
    expect(configuredEndpoint("SQS")?.href).toBe("http://127.0.0.1:1/");
    expect(configuredEndpoint("SECRETS_MANAGER")?.href).toBe("http://127.0.0.1:2/");
  });
  await withEnv({ ...vars, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }, () => {
    expect(configuredEndpoint("SQS")).toBeUndefined();
  });
});

test("regional endpoints per partition, FIPS on request", async () => {
  await withEnv({ AWS_USE_FIPS_ENDPOINT: undefined }, () => {
    expect(regionalEndpoint("secretsmanager", "eu-west-1").href).toBe(
      "https://secretsmanager.eu-west-1.amazonaws.com/",
    );
    expect(regionalEndpoint("sqs", "cn-north-1").href).toBe("https://sqs.cn-north-1.amazonaws.com.cn/");
  });
  await withEnv({ AWS_USE_FIPS_ENDPOINT: "true" }, () => {
    expect(regionalEndpoint("secretsmanager", "us-gov-west-1").href).toBe(
      "https://secretsmanager-fips.us-gov-west-1.amazonaws.com/",
    );
  });
});

test("region and credentials from Lambda's variables; the session token when there is one", async () => {
  const keys = { AWS_REGION: "us-east-2", AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" };
  await withEnv({ ...keys, AWS_SESSION_TOKEN: "token" }, () => {
    expect(awsRegion()).toBe("us-east-2");
    expect(environmentCredentials()).toEqual({
      accessKeyId: "AKID",
      secretAccessKey: "secret",
      sessionToken: "token",
    });
  });
  await withEnv({ ...keys, AWS_SESSION_TOKEN: undefined }, () => {
    expect(environmentCredentials()).toEqual({ accessKeyId: "AKID", secretAccessKey: "secret" });
  });
  await withEnv({ AWS_REGION: undefined }, () => expect(awsRegion).toThrow("Region is missing"));
  await withEnv({ AWS_SECRET_ACCESS_KEY: undefined }, () =>
    expect(environmentCredentials).toThrow(expect.objectContaining({ name: "CredentialsProviderError" })),
  );
});
