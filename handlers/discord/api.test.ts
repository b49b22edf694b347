import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { DEFAULT_DISCORD_APP, discordErrors, startDiscord } from "../../emulators/discord.ts";
import { DiscordApiError, discordApi } from "./api.ts";

const discord = await startDiscord();
afterAll(() => discord.close());
beforeEach(() => discord.reset());

const call = discordApi(DEFAULT_DISCORD_APP.botToken, discord.url);
const send = () =>
  call("POST", "/channels/{channel}/messages", {
    params: { channel: "300000000000000001" },
    body: { content: "x" },
  });

async function failure(promise: Promise<unknown>): Promise<DiscordApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DiscordApiError))
    throw new Error(`expected a DiscordApiError, got ${String(error)}`);
  return error;
}

describe("discordApi", () => {
  test("fills the route, sends the bot token and a DiscordBot user agent, returns the JSON", async () => {
    const message = await send();
    expect(message).toMatchObject({ content: "x", channel_id: "300000000000000001" });
    const [recorded] = discord.calls;
    expect(recorded?.authorization).toBe(`Bot ${DEFAULT_DISCORD_APP.botToken}`);
    expect(
      await call("POST", "/channels/{channel}/typing", { params: { channel: "300000000000000001" } }),
    ).toBeUndefined();
  });

  test("webhook routes go without the bot token", async () => {
    await failure(
      call("POST", "/webhooks/{application}/{token}", {
        params: { application: discord.applicationId, token: "tok/en" },
        body: { content: "x" },
        auth: false,
      }),
    );
    expect(discord.calls[0]?.authorization).toBeUndefined();
    expect(discord.calls[0]?.path).toBe(`/webhooks/${discord.applicationId}/tok%2Fen`);
  });

  test("429: retryable, with Discord's retry_after (seconds, a float)", async () => {
    discord.script("POST /channels/{channel}/messages", discordErrors.rateLimited(0.75));
    const error = await failure(send());
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 0.75 });
    expect(error.reason).toBe("You are being rate limited.");
  });

  test("a bucket the headers say is empty: the next call on it fails at once, not sent, as a 429 with the wait", async () => {
    // A client of its own: the buckets it learns are the container's.
    const call = discordApi(DEFAULT_DISCORD_APP.botToken, discord.url);
    const send = () =>
      call("POST", "/channels/{channel}/messages", {
        params: { channel: "300000000000000001" },
        body: { content: "x" },
      });
    for (let i = 0; i < 5; i++) await send();
    const error = await failure(send());
    expect(error).toMatchObject({ status: 429, retryable: true });
    expect(error.reason).toContain("not sent");
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(5);
    // Discord never saw it (no invalid request counted), and other channels and routes are not held up.
    expect(discord.calls).toHaveLength(5);
    await call("POST", "/channels/{channel}/messages", {
      params: { channel: "300000000000000002" },
      body: { content: "y" },
    });
    await call("POST", "/channels/{channel}/typing", { params: { channel: "300000000000000001" } });
    expect(discord.calls.every((c) => c.response?.status !== 429)).toBe(true);
  });

  test("429 without a JSON body: the Retry-After header", async () => {
    discord.script("POST /channels/{channel}/messages", {
      status: 429,
      body: "slow down",
      headers: { "retry-after": "3" },
    });
    expect(await failure(send())).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 3 });
  });

  test("what a retry can fix is retryable; what it cannot is not", async () => {
    discord.script("*", discordErrors.serverError());
    expect(await failure(send())).toMatchObject({ status: 500, retryable: true });
    discord.script("*", discordErrors.unauthorized());
    expect(await failure(send())).toMatchObject({ status: 401, retryable: true });
    discord.script("*", discordErrors.missingAccess());
    expect(await failure(send())).toMatchObject({
      status: 403,
      retryable: false,
      code: 50001,
      reason: "Missing Access (50001)",
    });
    discord.script("*", discordErrors.unknownWebhook());
    expect(await failure(send())).toMatchObject({ status: 404, retryable: false, code: 10015 });
    discord.script(
      "*",
      discordErrors.formError("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."),
    );
    expect((await failure(send())).reason).toBe(
      "Invalid Form Body (50035): Must be 2000 or fewer in length.",
    );
    discord.script("*", { destroy: true });
    expect(await failure(send())).toMatchObject({
      status: undefined,
      retryable: true,
      reason: "unreachable",
    });
  });

  test("errors name the route template, never the token in the path", async () => {
    const token = "aW50ZXJhY3Rpb246secret-token";
    const error = await failure(
      call("PATCH", "/webhooks/{application}/{token}/messages/@original", {
        params: { application: discord.applicationId, token },
        body: { content: "x" },
        auth: false,
      }),
    );
    expect(error.method).toBe("PATCH /webhooks/{application}/{token}/messages/@original");
    expect(error.message).not.toContain(token);
    expect(JSON.stringify({ ...error })).not.toContain(token);
  });
});
