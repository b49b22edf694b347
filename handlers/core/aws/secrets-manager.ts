/**
 * Secrets Manager's GetSecretValue over its JSON protocol (`secretsmanager.GetSecretValue`,
 * `application/x-amz-json-1.1`), at `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or `AWS_ENDPOINT_URL`) when set,
 * else the regional endpoint.
 */
import type { GetSecretValueRequest, GetSecretValueResponse } from "@aws-sdk/client-secrets-manager";
import { callJson, type JsonService } from "./call.ts";

const SECRETS_MANAGER: JsonService = {
  id: "SECRETS_MANAGER",
  signingName: "secretsmanager",
  target: "secretsmanager",
  jsonVersion: "1.1",
};

/** What we read of the answer: its string fields (the JSON carries dates as numbers, not the SDK's Dates). */
export type SecretValue = Pick<GetSecretValueResponse, "ARN" | "Name" | "VersionId" | "SecretString">;

/** GetSecretValue. */
export function getSecretValue(input: GetSecretValueRequest): Promise<SecretValue> {
  return callJson<SecretValue>(SECRETS_MANAGER, "GetSecretValue", input);
}
