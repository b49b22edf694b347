/**
 * DynamoDB's UpdateItem over its JSON protocol (`DynamoDB_20120810.UpdateItem`,
 * `application/x-amz-json-1.0`), at `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`) when set, else
 * the regional endpoint: the one write an ingress makes (WhatsApp's confirmed reply chunks).
 */
import type { UpdateItemInput, UpdateItemOutput } from "@aws-sdk/client-dynamodb";
import { callJson, type JsonService } from "./call.ts";

const DYNAMODB: JsonService = {
  id: "DYNAMODB",
  signingName: "dynamodb",
  target: "DynamoDB_20120810",
  jsonVersion: "1.0",
};

/** UpdateItem; a failed condition rejects with an error named `ConditionalCheckFailedException`, as the SDK's. */
export function updateItem(input: UpdateItemInput): Promise<UpdateItemOutput> {
  return callJson<UpdateItemOutput>(DYNAMODB, "UpdateItem", input);
}
