import type {
  APIApplicationCommandInteractionDataStringOption,
  APIChatInputApplicationCommandInteraction,
  APIPingInteraction,
  APIUser,
  ApplicationCommandOptionType,
  InteractionType,
} from "discord-api-types/v10";
import * as v from "valibot";
import { ENVELOPE_VERSION } from "../core/envelope.ts";
import type { Accepted, Invalid, Notice } from "../core/inbound.ts";
import type { InteractionReply } from "./reply.ts";
import { Snowflake, snowflakeTime } from "./secret.ts";

/**
 * Discord interactions, as far as we read them: PING and application commands. The schemas keep
 * only the fields we use, and are checked against discord-api-types below, so a field we read has
 * the type Discord gives it. Any other interaction type fails the schema (400).
 */

export const UserSchema = v.object({
  id: Snowflake,
  username: v.string(),
  global_name: v.optional(v.nullable(v.string())),
  bot: v.optional(v.boolean()),
});

/** A command option; `/ask` has one, `prompt`, of type STRING (3). */
export const OptionSchema = v.object({
  name: v.string(),
  type: v.pipe(v.number(), v.integer()),
  value: v.optional(v.unknown()),
});

const PingSchema = v.object({ type: v.literal(1), id: Snowflake, application_id: Snowflake });

const CommandInteractionSchema = v.object({
  type: v.literal(2),
  id: Snowflake,
  application_id: Snowflake,
  // Discord's tokens are printable ASCII; the worker puts the token in a URL path (encodeURIComponent
  // throws on a lone surrogate), so anything else is refused here rather than retried into the DLQ.
  token: v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,1000}$/)),
  data: v.object({
    name: v.pipe(v.string(), v.minLength(1), v.maxLength(32)),
    options: v.optional(v.array(OptionSchema)),
  }),
  channel_id: v.optional(Snowflake),
  channel: v.optional(v.object({ id: Snowflake })),
  guild_id: v.optional(Snowflake),
  /** In a server: the member, with its user. */
  member: v.optional(v.object({ user: UserSchema })),
  /** In a DM: the user. */
  user: v.optional(UserSchema),
});

/** The interactions the endpoint accepts; anything else is a 400. */
export const InteractionSchema = v.variant("type", [PingSchema, CommandInteractionSchema]);

export type Interaction = v.InferOutput<typeof InteractionSchema>;
export type CommandInteraction = v.InferOutput<typeof CommandInteractionSchema>;

// Compile-time: what Discord sends (per discord-api-types) fits what we parse.
type Extends<A extends B, B> = A;
type Ours<S extends v.GenericSchema> = v.InferOutput<S>;
export type _Checks = [
  Extends<Pick<APIUser, "id" | "username" | "global_name" | "bot">, Ours<typeof UserSchema>>,
  Extends<Pick<APIPingInteraction, "id" | "application_id">, Omit<Ours<typeof PingSchema>, "type">>,
  Extends<InteractionType.Ping, Ours<typeof PingSchema>["type"]>,
  Extends<InteractionType.ApplicationCommand, CommandInteraction["type"]>,
  Extends<
    Pick<
      APIChatInputApplicationCommandInteraction,
      "id" | "application_id" | "token" | "channel_id" | "guild_id"
    >,
    Pick<CommandInteraction, "id" | "application_id" | "token" | "channel_id" | "guild_id">
  >,
  Extends<
    Pick<APIChatInputApplicationCommandInteraction["data"], "name">,
    Omit<CommandInteraction["data"], "options">
  >,
  Extends<APIApplicationCommandInteractionDataStringOption, Ours<typeof OptionSchema>>,
  Extends<ApplicationCommandOptionType.String, 3>,
];

/** Notices for commands the relay does not queue. */
export const notices = {
  emptyPrompt: "Please write something after /ask.",
  unknownCommand: "This command is not known here: use /ask or /new.",
} as const;

/** The `prompt` option of /ask, when it is a string. */
function promptOf(interaction: CommandInteraction): string | undefined {
  const option = interaction.data.options?.find((o) => o.name === "prompt" && o.type === 3);
  return typeof option?.value === "string" ? option.value : undefined;
}

/**
 * Turns a slash command into an envelope: `/ask prompt:<text>` asks the agent, `/new` starts a
 * fresh session. Unknown commands and an empty prompt get a notice instead (the deferred answer
 * would otherwise wait forever for a reply the worker never sends). The reply context carries the
 * interaction token, valid 15 minutes from the interaction id's timestamp.
 */
export function toEnvelope(interaction: CommandInteraction, now = Date.now()): Accepted | Invalid | Notice {
  const user = interaction.member?.user ?? interaction.user;
  const channelId = interaction.channel_id ?? interaction.channel?.id;
  if (!user) return { invalid: "no user" };
  if (!channelId) return { invalid: "no channel" };
  // The slash commands adapter.ts registers; no other can reach us.
  const name = interaction.data.name;
  const command = name === "ask" || name === "new" ? name : undefined;
  if (!command) return { notice: notices.unknownCommand };
  const text = command === "ask" ? (promptOf(interaction) ?? "").trim() : "";
  if (command === "ask" && text === "") return { notice: notices.emptyPrompt };
  const userName = user.global_name ?? user.username;
  return {
    envelope: {
      v: ENVELOPE_VERSION,
      channel: "discord",
      eventId: interaction.id,
      conversation: channelId,
      user: { id: user.id, ...(userName ? { name: userName } : {}) },
      text,
      ...(command === "new" ? { command } : {}),
      attachments: [],
      reply: {
        kind: "interaction",
        applicationId: interaction.application_id,
        token: interaction.token,
        interactionId: interaction.id,
        channelId,
        issuedAt: snowflakeTime(interaction.id),
      } satisfies InteractionReply,
      receivedAt: now,
    },
  };
}
