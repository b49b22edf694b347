import type { Command, Envelope } from "./envelope.ts";

/**
 * What an ingress makes of a platform event, and the text commands every channel understands. Each
 * channel's `inbound.ts` (and the relay's) returns an {@link Inbound} and reads commands with
 * {@link parseCommand} or {@link commandNamed}.
 */

/** The event becomes this envelope, to be queued. */
export interface Accepted {
  readonly envelope: Envelope;
}

/**
 * The event is not for the bot (its own message, another bot's, a group message not addressed to it, a
 * kind of event it does not answer): acknowledged (200) so the platform does not repeat it, nothing queued,
 * the reason logged.
 */
export interface Ignored {
  readonly ignored: string;
}

/** The event is malformed in a way its schema could not tell: a 400 with this short reason. */
export interface Invalid {
  readonly invalid: string;
}

/** The event is answered at once with this text, only to the user, and nothing is queued. */
export interface Notice {
  readonly notice: string;
}

/**
 * The outcome of reading one platform event: accepted or ignored, plus the rarer outcomes `Also` a
 * channel has (Slack: `Inbound<Invalid>`; Discord's slash commands: `Inbound<Invalid | Notice>`).
 * @example if ("ignored" in inbound) log.info("update.ignored", { reason: inbound.ignored });
 */
export type Inbound<Also extends Invalid | Notice = never> = Accepted | Ignored | Also;

/** Commands by the name users type after the slash. */
const COMMANDS: Readonly<Record<string, Command>> = {
  start: "help",
  help: "help",
  new: "new",
  allow: "allow",
  deny: "deny",
  users: "users",
  revoke: "revoke",
  group: "group",
};

/**
 * The command a name stands for, in any case: `start` and `help` → help, `new` → new, and the admins'
 * `allow`, `deny`, `users`, `revoke` and `group` as themselves; undefined for any other name.
 * @example commandNamed("NEW") // "new"
 */
export function commandNamed(name: string): Command | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(COMMANDS, key) ? COMMANDS[key] : undefined;
}

const TYPED_COMMAND = /^\s*\/([a-z]+)(?=\s|$)([\s\S]*)$/i;

/**
 * A command typed at the start of a message (`/new`, `/allow K7MX2P` …, alone or followed by whitespace
 * and more text) and the text after it, trimmed; undefined when the message starts with no command.
 * @example parseCommand("/new tell me a joke") // { command: "new", text: "tell me a joke" }
 */
export function parseCommand(text: string): { command: Command; text: string } | undefined {
  const match = TYPED_COMMAND.exec(text);
  const command = match ? commandNamed(match[1] ?? "") : undefined;
  return command ? { command, text: (match?.[2] ?? "").trim() } : undefined;
}
