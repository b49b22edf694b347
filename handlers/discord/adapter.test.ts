import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { type FakeDiscord, startDiscord } from "../../emulators/discord.ts";
import { COMMANDS, setEndpoint } from "./adapter.ts";
import { discordApi } from "./api.ts";
import { importPublicKey, verifyRequest } from "./verify.ts";

/** An endpoint that comes up after `downFor` checks, like a route API Gateway is still deploying. */
let downFor = 0;
const discord: FakeDiscord = await startDiscord({
  transport: async (_url, request) => {
    if (downFor > 0) {
      downFor--;
      return { status: 404, body: "not found" };
    }
    const problem = await verifyRequest(
      () => importPublicKey(discord.signer.publicKeyHex),
      request.headers["x-signature-ed25519"],
      request.headers["x-signature-timestamp"],
      new TextEncoder().encode(request.body),
    );
    return problem === undefined ? { status: 200, body: '{"type":1}' } : { status: 401, body: "" };
  },
});
afterAll(() => discord.close());
beforeEach(() => {
  discord.reset();
  downFor = 0;
});

const URL = "https://abc.execute-api.us-east-1.amazonaws.com/discord/interactions";
const call = () => discordApi(discord.botToken, discord.url);

describe("setEndpoint", () => {
  test("retries while Discord cannot verify the URL yet", async () => {
    downFor = 2;
    await setEndpoint(call(), URL, [5, 5, 5]);
    expect(discord.interactionsEndpointUrl).toBe(URL);
    expect(discord.callsOf("PATCH /applications/@me").map((c) => c.response?.status)).toEqual([
      400, 400, 200,
    ]);
  });

  test("gives up with Discord's reason once the retries are spent", async () => {
    downFor = 10;
    await expect(setEndpoint(call(), URL, [5])).rejects.toThrow(/could not be verified/);
    expect(discord.callsOf("PATCH /applications/@me")).toHaveLength(2);
  });

  test("null clears it, without checks", async () => {
    await setEndpoint(call(), URL, []);
    await setEndpoint(call(), null, []);
    expect(discord.interactionsEndpointUrl).toBeNull();
  });
});

test("the commands are the contract: /ask with a required string prompt and an optional file, /new, and the admins' commands", () => {
  expect(COMMANDS.map((c) => c.name)).toEqual(["ask", "new", "allow", "deny", "users", "revoke"]);
  expect(COMMANDS[0]?.options).toEqual([
    { type: 3, name: "prompt", description: "What to ask", required: true },
    { type: 11, name: "file", description: "A file for the agent to read", required: false },
  ]);
});
