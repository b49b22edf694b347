/**
 * Where an AWS call goes and as whom, read from the environment the way the SDK's default
 * configuration reads it on Lambda: the region (`AWS_REGION`), the function's credentials
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and the endpoint overrides
 * (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`).
 * Read at each call: cheap, and a test that changes the environment sees the change.
 */

/** Credentials as the signer takes them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** No credentials in the environment (named as the SDK names it, so logs read the same). */
export class CredentialsProviderError extends Error {
  override name = "CredentialsProviderError";
}

/** The region the function runs in; the SDK's message when it is missing. */
export function awsRegion(): string {
  const region = process.env.AWS_REGION?.trim();
  if (!region) throw new Error("Region is missing: set AWS_REGION");
  return region;
}

/** The credentials Lambda gives the function, from its environment. */
export function environmentCredentials(): Credentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId || !secretAccessKey) {
    throw new CredentialsProviderError("no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN?.trim();
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/**
 * The endpoint set for a service in the environment (`AWS_ENDPOINT_URL_SQS`, …, then the global
 * `AWS_ENDPOINT_URL`), or undefined: the caller then uses the service's public endpoint.
 * @param serviceId the SDK's service id in upper case with underscores: `SQS`, `SECRETS_MANAGER`.
 */
export function configuredEndpoint(serviceId: string): URL | undefined {
  if (process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === "true") return undefined;
  const raw = process.env[`AWS_ENDPOINT_URL_${serviceId}`]?.trim() || process.env.AWS_ENDPOINT_URL?.trim();
  return raw ? new URL(raw) : undefined;
}

/**
 * A service's public regional endpoint, `https://<prefix>.<region>.<partition's domain>` (FIPS with
 * `AWS_USE_FIPS_ENDPOINT=true`). Partitions beyond aws, aws-us-gov and aws-cn set the endpoint
 * with `AWS_ENDPOINT_URL_<SERVICE>`.
 */
export function regionalEndpoint(prefix: string, region: string): URL {
  const fips = process.env.AWS_USE_FIPS_ENDPOINT?.trim().toLowerCase() === "true" ? "-fips" : "";
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return new URL(`https://${prefix}${fips}.${region}.${domain}/`);
}
