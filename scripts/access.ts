/**
 * `bun run access <list|allow|revoke>`: the owner's command line over who may talk to the agent, for when no
 * admin is set (or none is at hand). It reads and writes the deployed module's table (the module's
 * `ledger_table_name` output) with the AWS credentials and region of the shell, as the worker does: a grant
 * made here is one an admin's `/allow` would have made (`by: cli`), seen by the next message.
 *
 * @example
 * bun run access list   --table "$(terraform output -raw ledger_table_name)" --channel telegram
 * bun run access allow  --table my-bot-ledger --channel telegram --user 123456789 --name Ada
 * bun run access allow  --table my-bot-ledger --channel telegram --group=-1001234567890
 * bun run access revoke --table my-bot-ledger --channel slack --user U0123ABCD
 */
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type AccessList,
  type AccessStore,
  dynamoAccessStore,
  type Subject,
} from "../handlers/core/access/store.ts";

/** The channels a module deploys, by the `channel` name their envelopes carry. */
export const CHANNELS = ["telegram", "slack", "discord", "whatsapp", "whatsapp-personal"] as const;

export const USAGE = `Usage: bun run access <list|allow|revoke> --table <ledger table> --channel <channel> [--user <id> | --group <id>] [--name <name>]

  list     who has access on the channel, and the pairing codes waiting for an admin
  allow    gives a user (--user, a platform user id) or a group (--group, a conversation id) access;
           a negative id takes "=": --group=-1001234567890
  revoke   takes it back

  --table    the module's table: terraform output -raw ledger_table_name (or ACCESS_TABLE)
  --channel  ${CHANNELS.join(", ")}

The AWS credentials and region are the shell's (AWS_PROFILE, AWS_REGION …), as for the AWS CLI.`;

/** A bad command line: the usage is shown, nothing is read or written. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface AccessCommand {
  readonly action: "list" | "allow" | "revoke";
  readonly table: string;
  readonly channel: (typeof CHANNELS)[number];
  readonly subject?: Subject;
  readonly name?: string;
}

/** Reads the command line (`argv` without the runtime and script); throws a UsageError naming what is wrong. */
export function parseAccessArgs(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): AccessCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  const [action, ...rest] = positionals;
  if (action !== "list" && action !== "allow" && action !== "revoke")
    throw new UsageError(`unknown action ${JSON.stringify(action ?? "")}: list, allow or revoke`);
  if (rest.length > 0) throw new UsageError(`unexpected ${JSON.stringify(rest.join(" "))}`);
  const table = values.table ?? env.ACCESS_TABLE;
  if (!table) throw new UsageError("--table is missing: the module's ledger_table_name output");
  const channel = CHANNELS.find((c) => c === values.channel);
  if (!channel) throw new UsageError(`--channel must be one of ${CHANNELS.join(", ")}`);
  if (values.user !== undefined && values.group !== undefined)
    throw new UsageError("--user or --group, not both");
  const id = values.user ?? values.group;
  const subject: Subject | undefined =
    id === undefined ? undefined : { kind: values.user !== undefined ? "user" : "group", id: id.trim() };
  if (action !== "list" && (subject === undefined || subject.id === ""))
    throw new UsageError(`${action} needs --user <id> or --group <id>`);
  return {
    action,
    table,
    channel,
    ...(subject ? { subject } : {}),
    ...(values.name ? { name: values.name } : {}),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      table: { type: "string" },
      channel: { type: "string" },
      user: { type: "string" },
      group: { type: "string" },
      name: { type: "string" },
    },
  });
}

/** Runs the command against `store`; resolves to what it prints. */
export async function runAccess(command: AccessCommand, store: AccessStore, now: number): Promise<string> {
  const { action, subject, channel } = command;
  if (action === "list") return listLines(await store.list(now), channel);
  const target = subject as Subject;
  if (action === "allow") {
    await store.grant(target, { at: now, by: "cli", ...(command.name ? { name: command.name } : {}) });
    return `Allowed ${target.kind} ${target.id} on ${channel}.`;
  }
  return (await store.revoke(target, now))
    ? `Revoked ${target.kind} ${target.id} on ${channel}.`
    : `${target.kind} ${target.id} had no access on ${channel} (nothing changed).`;
}

/** The list as lines: one grant or pending request a line, tab-separated for `cut` and `awk`. */
function listLines(list: AccessList, channel: string): string {
  const lines = list.grants.map(({ subject, grant, mode }) =>
    [
      subject.kind,
      subject.id,
      grant.name ?? "",
      `allowed by ${grant.by} at ${new Date(grant.at).toISOString()}`,
      ...(mode ? [`answers: ${mode}`] : []),
    ].join("\t"),
  );
  for (const request of list.pending)
    lines.push(
      [
        request.subject.kind,
        request.subject.id,
        request.name ?? "",
        `waiting: code ${request.code} until ${new Date(request.expires).toISOString()}`,
      ].join("\t"),
    );
  if (lines.length === 0)
    return `Nobody has access on ${channel} besides allowed_users and admins (the module's inputs).`;
  return lines.join("\n");
}

if (import.meta.main) {
  try {
    const command = parseAccessArgs(process.argv.slice(2), process.env);
    const client = new DynamoDBClient({});
    try {
      console.log(
        await runAccess(
          command,
          dynamoAccessStore(command.table, command.channel, () => client),
          Date.now(),
        ),
      );
    } finally {
      client.destroy();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    console.error(`${(error as Error).message}${cause ? `: ${cause.name}: ${cause.message}` : ""}`);
    process.exit(1);
  }
}
