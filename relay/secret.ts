import * as v from "valibot";
import { ConfigError } from "../handlers/core/errors.ts";

const DiscordSecretSchema = v.object({ bot_token: v.pipe(v.string(), v.minLength(1)) });

/**
 * Reads the bot token from the Discord module's secret (JSON with `bot_token`). The SDK is loaded
 * only here, so a relay given DISCORD_BOT_TOKEN never loads it. Errors name the key, never its value.
 */
export async function discordTokenFromSecret(secretArn: string): Promise<string> {
  const [{ GetSecretValueCommand, SecretsManagerClient }, { SecretError }] = await Promise.all([
    import("@aws-sdk/client-secrets-manager"),
    import("../handlers/core/secrets.ts"),
  ]);
  const client = new SecretsManagerClient({});
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
  } catch (error) {
    throw new SecretError(error);
  } finally {
    client.destroy();
  }
  let json: unknown;
  try {
    json = JSON.parse(text ?? "");
  } catch {
    throw new ConfigError("the Discord secret is not a JSON object");
  }
  const parsed = v.safeParse(DiscordSecretSchema, json);
  if (!parsed.success) throw new ConfigError("the Discord secret lacks a bot_token");
  return parsed.output.bot_token;
}
