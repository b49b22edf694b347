import type {
  APIApplicationCommandInteractionDataStringOption,
  APIAttachment,
  APIChatInputApplicationCommandInteraction,
  APIMessageComponentButtonInteraction,
  APIPingInteraction,
  APIUser,
  ApplicationCommandOptionType,
  InteractionType,
} from "discord-api-types/v10";
import * as v from "valibot";
import { type Attachment, type Command, ENVELOPE_VERSION } from "../core/envelope.ts";
import { type Accepted, type Invalid, type Notice, parseCommand } from "../core/inbound.ts";
import { attachmentOf } from "./attachment.ts";
import type { InteractionReply } from "./reply.ts";
import { Snowflake, snowflakeTime } from "./secret.ts";

/**
 * Discord interactions, as far as we read them: PING, application commands and presses of the bot's
 * message buttons. The schemas keep only the fields we use, and are checked against discord-api-types
 * below, so a field we read has the type Discord gives it. Any other interaction type fails the schema
 * (400).
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

/** A file of a command's ATTACHMENT option (11), as `data.resolved.attachments` carries it. */
const ResolvedAttachmentSchema = v.object({
  id: Snowflake,
  filename: v.string(),
  content_type: v.optional(v.string()),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  url: v.pipe(v.string(), v.url()),
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
    resolved: v.optional(
      v.object({ attachments: v.optional(v.record(Snowflake, ResolvedAttachmentSchema)) }),
    ),
  }),
  channel_id: v.optional(Snowflake),
  channel: v.optional(v.object({ id: Snowflake })),
  guild_id: v.optional(Snowflake),
  /** In a server: the member, with its user. */
  member: v.optional(v.object({ user: UserSchema })),
  /** In a DM: the user. */
  user: v.optional(UserSchema),
});

/** A press of a button under one of the bot's messages (MESSAGE_COMPONENT): its custom_id is a command. */
const ComponentInteractionSchema = v.object({
  type: v.literal(3),
  id: Snowflake,
  application_id: Snowflake,
  token: CommandInteractionSchema.entries.token,
  data: v.object({
    custom_id: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
    component_type: v.pipe(v.number(), v.integer()),
  }),
  channel_id: v.optional(Snowflake),
  channel: v.optional(v.object({ id: Snowflake })),
  guild_id: v.optional(Snowflake),
  member: v.optional(v.object({ user: UserSchema })),
  user: v.optional(UserSchema),
});

/** The interactions the endpoint accepts; anything else is a 400. */
export const InteractionSchema = v.variant("type", [
  PingSchema,
  CommandInteractionSchema,
  ComponentInteractionSchema,
]);

export type Interaction = v.InferOutput<typeof InteractionSchema>;
export type CommandInteraction = v.InferOutput<typeof CommandInteractionSchema>;
export type ComponentInteraction = v.InferOutput<typeof ComponentInteractionSchema>;

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
  Extends<
    Pick<APIMessageComponentButtonInteraction, "id" | "application_id" | "token" | "channel_id" | "guild_id">,
    Pick<ComponentInteraction, "id" | "application_id" | "token" | "channel_id" | "guild_id">
  >,
  Extends<
    Pick<APIMessageComponentButtonInteraction["data"], "custom_id">,
    Pick<ComponentInteraction["data"], "custom_id">
  >,
  Extends<ApplicationCommandOptionType.String, 3>,
  Extends<ApplicationCommandOptionType.Attachment, 11>,
  Extends<
    Pick<APIAttachment, "id" | "filename" | "content_type" | "size" | "url">,
    v.InferOutput<typeof ResolvedAttachmentSchema>
  >,
];

/** Notices for commands the relay does not queue. */
export const notices = {
  emptyPrompt: "Please write something after /ask.",
  unknownCommand: "This command is not known here: use /ask or /new.",
  unknownButton: "This button does nothing any more.",
} as const;

/** A string option of the command, by name. */
function optionOf(interaction: CommandInteraction, name: string): string | undefined {
  const option = interaction.data.options?.find((o) => o.name === name && o.type === 3);
  return typeof option?.value === "string" ? option.value : undefined;
}

/** The slash commands besides /ask, and the string option each takes (adapter.ts registers them). */
const COMMAND_OPTIONS: Readonly<Record<string, string | undefined>> = {
  new: undefined,
  allow: "code",
  deny: "code",
  users: undefined,
  revoke: "user",
};

/**
 * Turns a slash command into an envelope: `/ask prompt:<text>` asks the agent, `/new` starts a
 * fresh session, and the admins' `/allow code:`, `/deny code:`, `/users`, `/revoke user:` go to the
 * access control. Unknown commands and an empty prompt get a notice instead (the deferred answer
 * would otherwise wait forever for a reply the worker never sends). The reply context carries the
 * interaction token, valid 15 minutes from the interaction id's timestamp.
 */
export function toEnvelope(interaction: CommandInteraction, now = Date.now()): Accepted | Invalid | Notice {
  const name = interaction.data.name;
  if (name !== "ask" && !Object.hasOwn(COMMAND_OPTIONS, name)) return { notice: notices.unknownCommand };
  const text = (name === "ask" ? optionOf(interaction, "prompt") : optionFor(interaction, name)) ?? "";
  if (name === "ask" && text.trim() === "") return { notice: notices.emptyPrompt };
  const command = name === "ask" ? undefined : parseCommand(`/${name}`)?.command;
  const attachments = name === "ask" ? fileOf(interaction) : [];
  return envelopeOf(interaction, text.trim(), command, now, attachments);
}

/**
 * The file of `/ask file:`: the resolved attachment its option names, read as a gateway message's.
 */
function fileOf(interaction: CommandInteraction): Attachment[] {
  const option = interaction.data.options?.find((o) => o.name === "file" && o.type === 11);
  const file =
    typeof option?.value === "string" ? interaction.data.resolved?.attachments?.[option.value] : undefined;
  return file ? [attachmentOf(file)] : [];
}

function optionFor(interaction: CommandInteraction, name: string): string | undefined {
  const option = COMMAND_OPTIONS[name];
  return option === undefined ? undefined : optionOf(interaction, option);
}

/**
 * Turns a press of one of the bot's buttons into the command its custom_id holds (`/allow K7MX2P`), from
 * the user who pressed it; a button that holds none gets a notice.
 */
export function buttonEnvelope(
  interaction: ComponentInteraction,
  now = Date.now(),
): Accepted | Invalid | Notice {
  const typed = parseCommand(interaction.data.custom_id);
  if (!typed) return { notice: notices.unknownButton };
  return envelopeOf(interaction, typed.text, typed.command, now);
}

function envelopeOf(
  interaction: CommandInteraction | ComponentInteraction,
  text: string,
  command: Command | undefined,
  now: number,
  attachments: Attachment[] = [],
): Accepted | Invalid {
  const user = interaction.member?.user ?? interaction.user;
  const channelId = interaction.channel_id ?? interaction.channel?.id;
  if (!user) return { invalid: "no user" };
  if (!channelId) return { invalid: "no channel" };
  const userName = user.global_name ?? user.username;
  return {
    envelope: {
      v: ENVELOPE_VERSION,
      channel: "discord",
      eventId: interaction.id,
      conversation: channelId,
      user: { id: user.id, ...(userName ? { name: userName } : {}) },
      ...(interaction.guild_id === undefined ? {} : { group: true }),
      text,
      ...(command ? { command } : {}),
      attachments,
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
