import { afterAll, beforeAll, expect, test } from "bun:test";
import { type LocalDynamo, startDynamo } from "../emulators/dynamodb.ts";
import { dynamoAccessStore } from "../handlers/core/access/store.ts";
import { parseAccessArgs, runAccess, UsageError } from "./access.ts";

const TABLE = "cli-ledger";
let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
  await dynamo.createLedgerTable(TABLE);
});
afterAll(() => dynamo.close());

/** `bun run access …` as a user runs it: its own process, the AWS SDK's endpoint and credentials from the environment. */
async function cli(...args: string[]) {
  const child = Bun.spawn(["bun", "run", "scripts/access.ts", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { out: out.trim(), err, code };
}

test("allow, list and revoke through the command line, as the worker's store reads them", async () => {
  const at = ["--table", TABLE, "--channel", "telegram"];
  expect((await cli("allow", ...at, "--user", "1001", "--name", "Ada")).out).toBe(
    "Allowed user 1001 on telegram.",
  );
  // A negative id (a Telegram group) is given with "=", or it would read as an option.
  expect((await cli("allow", ...at, "--group=-100200")).code).toBe(0);
  // The worker's own view of the table: what a message from 1001 would find.
  const store = dynamoAccessStore(TABLE, "telegram", () => dynamo.client);
  expect((await store.record({ kind: "user", id: "1001" }))?.granted).toMatchObject({
    by: "cli",
    name: "Ada",
  });
  const listed = await cli("list", ...at);
  expect(listed.out.split("\n").map((line) => line.split("\t").slice(0, 3))).toEqual([
    ["user", "1001", "Ada"],
    ["group", "-100200", ""],
  ]);
  // Another channel's grants are its own.
  expect((await cli("list", "--table", TABLE, "--channel", "slack")).out).toStartWith("Nobody has access");
  expect((await cli("revoke", ...at, "--user", "1001")).out).toBe("Revoked user 1001 on telegram.");
  expect((await store.record({ kind: "user", id: "1001" }))?.granted).toBeUndefined();
  expect((await cli("revoke", ...at, "--user", "1001")).out).toContain("had no access");
});

test("pairing requests waiting for an admin are listed with their code", async () => {
  const store = dynamoAccessStore(TABLE, "discord", () => dynamo.client);
  const now = Date.now();
  const outcome = await store.request(
    {
      subject: { kind: "user", id: "80351110224678912" },
      name: "Bo",
      by: "80351110224678912",
      reply: {},
      envelope: "discord:1",
      now,
    },
    undefined,
  );
  const code = "code" in outcome ? outcome.code : "none";
  const command = parseAccessArgs(["list", "--table", TABLE, "--channel", "discord"], {});
  expect(await runAccess(command, store, now)).toContain(`waiting: code ${code}`);
});

test("a bad command line is refused with the usage, and nothing is touched", async () => {
  const refused =
    (argv: string[], env: Record<string, string> = {}) =>
    () =>
      parseAccessArgs(argv, env);
  expect(refused(["grant", "--table", "t", "--channel", "telegram"])).toThrow(UsageError);
  expect(refused(["list", "--channel", "telegram"])).toThrow("--table is missing");
  expect(refused(["list", "--table", "t", "--channel", "irc"])).toThrow("--channel must be one of");
  expect(refused(["allow", "--table", "t", "--channel", "telegram"])).toThrow("needs --user");
  expect(refused(["allow", "--table", "t", "--channel", "telegram", "--user", "1", "--group", "2"])).toThrow(
    "not both",
  );
  expect(refused(["list", "--table", "t", "--channel", "telegram", "--bogus"])).toThrow(UsageError);
  expect(parseAccessArgs(["list", "--channel", "slack"], { ACCESS_TABLE: "env-table" }).table).toBe(
    "env-table",
  );
  const run = await cli("allow", "--channel", "telegram", "--user", "1");
  expect([run.code, run.err]).toEqual([2, expect.stringContaining("Usage: bun run access")]);
});

test("an unreachable or missing table is an error exit with the cause, not a silent success", async () => {
  const run = await cli("list", "--table", "no-such-table", "--channel", "telegram");
  expect(run.code).toBe(1);
  expect(run.err).toContain("ResourceNotFoundException");
});
