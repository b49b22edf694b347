/**
 * Access control on Discord, through the built bundles: a stranger's /ask gets a pairing code, the admin
 * a DM (POST /users/@me/channels) with Allow and Deny buttons; pressing one is a signed MESSAGE_COMPONENT
 * interaction through the ingress (bad ones refused, nothing queued), and the stranger is let in. The
 * admins' slash commands work as typed commands do.
 */
import { describe, expect, test } from "bun:test";
import type { APIGatewayProxyResult } from "aws-lambda";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { type FakeDiscord, startDiscord } from "../emulators/discord.ts";
import {
  buttonInteraction,
  commandInteraction,
  type Signing,
  signedHeaders,
} from "../emulators/discord-interactions.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import { accessTexts } from "../handlers/core/access/texts.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";

const ROUTE = "/discord/interactions";
const ADMIN = "100000000000000001";
const STRANGER = "100000000000000077";
const DM = "300000000000000077";

const {
  stack,
  platform: discord,
  ingress,
  work,
  depth,
} = await useChannelE2E({
  channel: "discord",
  platform: (): Promise<FakeDiscord> =>
    startDiscord({
      transport: async (_url, request) => {
        const response = await post(request.headers, request.body);
        return { status: response.statusCode, body: response.body };
      },
    }),
  secret: (platform) => ({
    application_id: platform.applicationId,
    public_key: platform.signer.publicKeyHex,
    bot_token: platform.botToken,
  }),
  ledger: "discord-access-ledger",
  env: (platform) => ({
    ACCESS_POLICY: "pairing",
    ADMINS: ADMIN,
    DISCORD_API_URL: platform.url,
    DISCORD_PUBLIC_KEY: platform.signer.publicKeyHex,
  }),
});

/** The ingress as API Gateway calls it. */
function post(headers: Record<string, string>, body: string): Promise<APIGatewayProxyResult> {
  return ingress(
    httpApiEvent({ method: "POST", path: ROUTE, headers, body }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
}

const deliver = (interaction: object, signing?: Signing) =>
  discord.deliver(interaction, { url: `https://endpoint.example${ROUTE}`, ...(signing ? { signing } : {}) });
const ask = (userId: string, prompt: string) =>
  commandInteraction({
    applicationId: discord.applicationId,
    name: "ask",
    prompt,
    userId,
    dm: true,
    channelId: DM,
  });
const codeIn = (text: string | undefined) => /\b([0-9A-Z]{6})\b/.exec(text ?? "")?.[1] ?? "";

describe("pairing on Discord", () => {
  test("a stranger's /ask: a code; the admin's DM has buttons; Allow pressed lets them in", async () => {
    const asked = ask(STRANGER, "hello?");
    expect((await deliver(asked)).json).toEqual({ type: 5 });
    await work();
    const code = codeIn(discord.original(asked.id)?.content);
    expect(discord.original(asked.id)?.content).toBe(accessTexts.pairing(code));
    const dm = discord.dmChannel(ADMIN);
    const request = discord.messages.find((m) => m.channelId === dm);
    expect(request?.content).toContain(`/allow ${code}`);
    expect((request?.body as { components?: unknown } | undefined)?.components).toMatchObject([
      { type: 1, components: [{ custom_id: `/allow ${code}` }, { custom_id: `/deny ${code}` }] },
    ]);
    expect(stack.agentcore.invocations()).toEqual([]);

    const press = buttonInteraction({
      applicationId: discord.applicationId,
      customId: `/allow ${code}`,
      messageId: request?.id ?? "",
      channelId: dm ?? "",
      userId: ADMIN,
    });
    expect((await deliver(press)).json).toEqual({ type: 5 });
    await work();
    expect(discord.original(press.id)?.content).toStartWith("Allowed Ada");
    expect(discord.sent(DM)).toContain(accessTexts.allowedUser);

    const again = ask(STRANGER, "now?");
    await deliver(again);
    await work();
    expect(stack.agentcore.invocations().map((c) => (c.payload as { prompt: string }).prompt)).toEqual([
      "now?",
    ]);
  });

  test("a button pressed by someone who is not an admin does nothing for them", async () => {
    const asked = ask("100000000000000078", "hi");
    await deliver(asked);
    await work();
    const code = codeIn(discord.original(asked.id)?.content);
    const press = buttonInteraction({
      applicationId: discord.applicationId,
      customId: `/allow ${code}`,
      messageId: "1300000000000000009",
      channelId: DM,
      userId: "100000000000000078",
    });
    await deliver(press);
    await work();
    // Their own request stands: nothing new to say, and the "thinking…" is taken away.
    expect(discord.deletedOriginal(press.id)).toBe(true);
    expect(stack.agentcore.invocations()).toEqual([]);
  });

  test("the admins' slash commands: /users lists, /revoke takes back", async () => {
    const users = commandInteraction({
      applicationId: discord.applicationId,
      name: "users",
      userId: ADMIN,
      dm: true,
    });
    await deliver(users);
    await work();
    expect(discord.original(users.id)?.content).toContain("Policy: pairing");
  });
});

describe("bad button presses are refused and queue nothing", () => {
  test("badly signed → 401; not a component interaction → 400; a custom_id that is no command → a notice", async () => {
    const press = buttonInteraction({
      applicationId: discord.applicationId,
      customId: "/allow ABCDEF",
      messageId: "1300000000000000009",
      channelId: DM,
    });
    expect((await deliver(press, "tampered")).status).toBe(401);
    expect((await deliver(press, "wrong-key")).status).toBe(401);
    const body = JSON.stringify({ ...press, data: { component_type: 2 } });
    const headers = await signedHeaders(discord.signer, body);
    expect((await post(headers, body)).statusCode).toBe(400);
    const idle = buttonInteraction({
      applicationId: discord.applicationId,
      customId: "noop",
      messageId: "1300000000000000009",
      channelId: DM,
    });
    expect((await deliver(idle)).json).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(await depth()).toBe(0);
  });
});
