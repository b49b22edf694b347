import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  buttonInteraction,
  commandInteraction,
  pingInteraction,
} from "../../emulators/discord-interactions.ts";
import {
  buttonEnvelope,
  type CommandInteraction,
  InteractionSchema,
  notices,
  toEnvelope,
} from "./inbound.ts";
import { DiscordReplySchema } from "./reply.ts";
import { snowflakeTime } from "./secret.ts";

const APP = "150000000000000001";
const NOW = 1_790_000_000_000;

function command(
  input: Partial<Parameters<typeof commandInteraction>[0]> & { name: string },
): CommandInteraction {
  const parsed = v.parse(InteractionSchema, commandInteraction({ applicationId: APP, ...input }));
  if (parsed.type !== 2) throw new Error("not a command");
  return parsed;
}

describe("InteractionSchema", () => {
  test("reads PING and application commands as Discord sends them", () => {
    expect(v.parse(InteractionSchema, pingInteraction(APP)).type).toBe(1);
    expect(command({ name: "ask", prompt: "hi" }).data.options).toEqual([
      { name: "prompt", type: 3, value: "hi" },
    ]);
  });

  test("refuses other interaction types and broken shapes", () => {
    const ask = commandInteraction({ applicationId: APP, name: "ask", prompt: "x" });
    for (const bad of [
      { ...ask, type: 3 },
      { ...ask, type: 4 },
      { ...ask, type: 9 },
      { ...ask, id: "not-a-snowflake" },
      { ...ask, token: "" },
      { ...ask, token: "a\ud800b" },
      { ...ask, token: "with space" },
      { ...ask, data: undefined },
      { type: 1 },
      [],
      null,
    ]) {
      expect(v.safeParse(InteractionSchema, bad).success).toBe(false);
    }
  });
});

describe("toEnvelope", () => {
  test("/ask in a server: the prompt, the member's display name, the interaction reply context", () => {
    const interaction = command({
      name: "ask",
      prompt: "  what is up?  ",
      userId: "100000000000000009",
      channelId: "300000000000000005",
    });
    const inbound = toEnvelope(interaction, NOW);
    if (!("envelope" in inbound)) throw new Error(JSON.stringify(inbound));
    expect(inbound.envelope).toEqual({
      v: 1,
      channel: "discord",
      eventId: interaction.id,
      conversation: "300000000000000005",
      user: { id: "100000000000000009", name: "Ada" },
      group: true,
      text: "what is up?",
      attachments: [],
      reply: {
        kind: "interaction",
        applicationId: APP,
        token: interaction.token,
        interactionId: interaction.id,
        channelId: "300000000000000005",
        issuedAt: snowflakeTime(interaction.id),
      },
      receivedAt: NOW,
    });
    expect(v.safeParse(DiscordReplySchema, inbound.envelope.reply).success).toBe(true);
  });

  test("the token's issue time is the interaction id's timestamp", () => {
    const at = NOW - 60_000;
    const inbound = toEnvelope(command({ name: "ask", prompt: "x", at }), NOW);
    expect("envelope" in inbound && inbound.envelope.reply.issuedAt).toBe(at);
  });

  test("/ask file: the resolved attachment, its kind from the stated type, the signed CDN URL as id", () => {
    const url = "https://cdn.discordapp.com/attachments/1/2/chart.png?ex=1&is=2&hm=3";
    const file = { id: "600000000000000001", filename: "chart.png", size: 12, url };
    const asked = (contentType?: string) =>
      toEnvelope(
        command({
          name: "ask",
          prompt: "what is this",
          file: { ...file, ...(contentType ? { contentType } : {}) },
        }),
        NOW,
      );
    const image = asked("image/png");
    if (!("envelope" in image)) throw new Error(JSON.stringify(image));
    expect(image.envelope.attachments).toEqual([
      { kind: "image", id: url, mime: "image/png", size: 12, name: "chart.png" },
    ]);
    const untyped = asked();
    expect("envelope" in untyped && untyped.envelope.attachments).toEqual([
      { kind: "document", id: url, size: 12, name: "chart.png" },
    ]);
    // An option naming no resolved attachment, or one that is not a URL: none, or refused.
    const stray = commandInteraction({ applicationId: APP, name: "ask", prompt: "x", file });
    const dangling = { ...stray, data: { ...stray.data, resolved: { attachments: {} } } };
    const parsed = v.parse(InteractionSchema, dangling);
    expect(
      parsed.type === 2 && "envelope" in toEnvelope(parsed, NOW) && toEnvelope(parsed, NOW),
    ).toMatchObject({
      envelope: { attachments: [] },
    });
    const badUrl = {
      ...stray,
      data: { ...stray.data, resolved: { attachments: { [file.id]: { ...file, url: "nope" } } } },
    };
    expect(v.safeParse(InteractionSchema, badUrl).success).toBe(false);
  });

  test("/new in a DM: the user, the command, no text", () => {
    const inbound = toEnvelope(command({ name: "new", dm: true, userName: "Grace" }), NOW);
    if (!("envelope" in inbound)) throw new Error(JSON.stringify(inbound));
    expect(inbound.envelope).toMatchObject({ command: "new", text: "", user: { name: "Grace" } });
  });

  test("username when there is no global name", () => {
    const interaction = command({ name: "ask", prompt: "x" });
    const member = interaction.member as NonNullable<CommandInteraction["member"]>;
    const inbound = toEnvelope(
      { ...interaction, member: { user: { ...member.user, global_name: null } } },
      NOW,
    );
    expect("envelope" in inbound && inbound.envelope.user.name).toBe("ada");
  });

  test("unknown commands and blank prompts get a notice; no user or channel is invalid", () => {
    expect(toEnvelope(command({ name: "help" }), NOW)).toEqual({ notice: notices.unknownCommand });
    expect(toEnvelope(command({ name: "ask", prompt: " \n " }), NOW)).toEqual({
      notice: notices.emptyPrompt,
    });
    expect(toEnvelope(command({ name: "ask" }), NOW)).toEqual({ notice: notices.emptyPrompt });
    const interaction = command({ name: "ask", prompt: "x" });
    expect(toEnvelope({ ...interaction, member: undefined, user: undefined }, NOW)).toEqual({
      invalid: "no user",
    });
    expect(toEnvelope({ ...interaction, channel_id: undefined, channel: undefined }, NOW)).toEqual({
      invalid: "no channel",
    });
  });
});

describe("DiscordReplySchema (the contract with relay/)", () => {
  test("takes both cases and nothing else", () => {
    const ok = [
      {
        kind: "interaction",
        applicationId: APP,
        token: "t",
        interactionId: "1300000000000000001",
        channelId: "300000000000000001",
        issuedAt: NOW,
      },
      { kind: "message", channelId: "300000000000000001", messageId: "1300000000000000002" },
      // A message the agent starts: nothing to reply to.
      { kind: "message", channelId: "300000000000000001" },
      {
        kind: "message",
        channelId: "300000000000000001",
        messageId: "1300000000000000002",
        guildId: "200000000000000001",
      },
    ];
    for (const reply of ok) expect(v.safeParse(DiscordReplySchema, reply).success).toBe(true);
    // A message the bot starts (an admin's DM) has no message to reply to.
    expect(
      v.safeParse(DiscordReplySchema, { kind: "message", channelId: "300000000000000001" }).success,
    ).toBe(true);
    const bad = [
      { kind: "message", channelId: "not a snowflake" },
      {
        kind: "interaction",
        applicationId: APP,
        token: "t",
        interactionId: "1",
        channelId: "3",
        issuedAt: NOW,
      },
      { kind: "dm", channelId: "300000000000000001", messageId: "1300000000000000002" },
      { chatId: 42, messageId: 5, private: true },
    ];
    for (const reply of bad) expect(v.safeParse(DiscordReplySchema, reply).success).toBe(false);
  });
});

describe("the admins' commands and buttons", () => {
  test("/allow code:, /revoke user:, /users become those commands; a button press the command it holds", () => {
    const command = (name: string, options?: Record<string, string>) =>
      toEnvelope(
        commandInteraction({ applicationId: APP, name, dm: true, ...(options ? { options } : {}) }),
        NOW,
      );
    expect(command("allow", { code: " k7mx2p " })).toMatchObject({
      envelope: { command: "allow", text: "k7mx2p" },
    });
    expect(command("revoke", { user: "100000000000000009" })).toMatchObject({
      envelope: { command: "revoke", text: "100000000000000009" },
    });
    expect(command("users")).toMatchObject({ envelope: { command: "users", text: "" } });
    const press = buttonInteraction({
      applicationId: APP,
      customId: "/deny K7MX2P",
      messageId: "1300000000000000002",
      channelId: "300000000000000001",
    });
    const parsed = v.parse(InteractionSchema, press);
    if (parsed.type !== 3) throw new Error("not a component interaction");
    expect(buttonEnvelope(parsed, NOW)).toMatchObject({
      envelope: {
        eventId: press.id,
        command: "deny",
        text: "K7MX2P",
        reply: { kind: "interaction", token: press.token, channelId: "300000000000000001" },
      },
    });
    expect(buttonEnvelope({ ...parsed, data: { ...parsed.data, custom_id: "hello" } }, NOW)).toEqual({
      notice: notices.unknownButton,
    });
  });
});
