import { afterAll, afterEach, beforeAll, expect, spyOn, test } from "bun:test";
import * as v from "valibot";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { ENVELOPE_VERSION } from "../handlers/core/envelope.ts";
import type { Inbound } from "../handlers/core/inbound.ts";
import { Inflight } from "../handlers/core/inflight.ts";
import { setEnv } from "../test/harness/env.ts";
import { intake } from "./accept.ts";
import { Connections } from "./connections.ts";
import type { RelayContext } from "./context.ts";

const Schema = v.object({ id: v.string(), author: v.object({ id: v.string() }), text: v.string() });
type Message = v.InferOutput<typeof Schema>;

const QUEUE = "http://127.0.0.1:9/000000000000/relay.fifo"; // nothing listens on port 9

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ ...awsTestEnv({ maxAttempts: 1 }), LOG_LEVEL: "debug" });
});
afterAll(() => restore());

const lines: Record<string, unknown>[] = [];
const spies = (["debug", "info", "warn", "error"] as const).map((level) =>
  spyOn(console, level).mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line)))),
);
afterEach(() => {
  lines.length = 0;
});
afterAll(() => {
  for (const spy of spies) spy.mockRestore();
});

function setup(stopping = false) {
  const context: RelayContext = {
    connections: new Connections(),
    inflight: new Inflight(),
    stopping: () => stopping,
    enqueueOptions: { budgetMs: 0 },
  };
  const accept = intake({
    connection: "chat",
    schema: Schema,
    queueUrl: QUEUE,
    context,
    describe: (message: Message) => ({ messageId: message.id }),
  });
  return { context, accept };
}

const read = (message: Message): Inbound =>
  message.text === ""
    ? { ignored: "no text" }
    : {
        envelope: {
          v: ENVELOPE_VERSION,
          channel: "chat",
          eventId: message.id,
          conversation: "c1",
          user: { id: message.author.id },
          text: message.text,
          attachments: [],
          reply: {},
          receivedAt: 0,
        },
      };

const events = () => lines.map((line) => [line.event, line.reason ?? line.messageId ?? line.envelopeId]);

test("an invalid message is logged by where it is wrong, and nothing is enqueued", () => {
  const { context, accept } = setup();
  accept({ id: "1", author: {}, text: "hi" }, read);
  expect(events()).toEqual([["chat.message_invalid", "bad author.id"]]);
  expect(context.inflight.size).toBe(0);
});

test("a message the reader leaves alone is logged at debug with what identifies it", () => {
  const { context, accept } = setup();
  accept({ id: "2", author: { id: "u" }, text: "" }, read);
  expect(lines).toMatchObject([
    { level: "debug", event: "chat.message_ignored", messageId: "2", reason: "no text" },
  ]);
  expect(context.inflight.size).toBe(0);
});

test("an accepted message is enqueued as in-flight work the relay waits for", async () => {
  const { context, accept } = setup();
  accept({ id: "3", author: { id: "u" }, text: "hi" }, read);
  expect(context.inflight.size).toBe(1);
  expect(await context.inflight.drain(5_000)).toBe(true);
  expect(events().slice(0, 1)).toEqual([["message.received", "chat:3"]]);
});

test("once the relay is stopping, nothing is taken", () => {
  const { context, accept } = setup(true);
  accept({ id: "4", author: { id: "u" }, text: "hi" }, read);
  expect(lines).toEqual([]);
  expect(context.inflight.size).toBe(0);
});
