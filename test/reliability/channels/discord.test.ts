import { expect, test } from "bun:test";
import type { DiscordCall } from "../../../emulators/discord.ts";
import { shownMessages } from "./discord.ts";

const CHANNEL = "300000000000000002";
let at = 0;
const call = (
  route: string,
  params: Record<string, string>,
  content: string | undefined,
  answerId?: string,
): DiscordCall => ({
  route,
  method: route.split(" ")[0] as string,
  path: "",
  params,
  authorization: undefined,
  body: content === undefined ? undefined : { content },
  at: ++at,
  response: {
    status: answerId === undefined ? 204 : 200,
    body: answerId === undefined ? undefined : { id: answerId },
  },
});
const hook = { application: "1", token: "tok" };

test("a message edited, or posted again with its nonce, is one message with its last text", () => {
  const shown = shownMessages(
    [
      call("PATCH /webhooks/{application}/{token}/messages/@original", hook, "echo: ", "11"),
      // A later attempt edits @original by the id it recorded.
      call(
        "PATCH /webhooks/{application}/{token}/messages/{message}",
        { ...hook, message: "11" },
        "echo: A",
        "11",
      ),
      call("PATCH /webhooks/{application}/{token}/messages/@original", hook, "echo: A", "11"),
      call("POST /channels/{channel}/messages", { channel: CHANNEL }, "echo: B", "12"),
      // enforce_nonce: Discord returns the message already there.
      call("POST /channels/{channel}/messages", { channel: CHANNEL }, "echo: B", "12"),
      call(
        "PATCH /channels/{channel}/messages/{message}",
        { channel: CHANNEL, message: "12" },
        "echo: B!",
        "12",
      ),
      call("POST /channels/{channel}/messages", { channel: CHANNEL }, "gone soon", "13"),
      call("DELETE /channels/{channel}/messages/{message}", { channel: CHANNEL, message: "13" }, undefined),
    ],
    (token) => (token === "tok" ? 5 : undefined),
  );
  expect(shown.map((m) => [m.conversation, m.text])).toEqual([
    [5, "echo: A"],
    [2, "echo: B!"],
    [2, ""],
  ]);
  expect(shown[0]?.at).toBe(1);
});

test("a follow-up or another channel post with the same text is a second message", () => {
  const shown = shownMessages(
    [
      call("PATCH /webhooks/{application}/{token}/messages/@original", hook, "echo: A", "21"),
      call("POST /webhooks/{application}/{token}", hook, "echo: A", "22"),
      call("POST /channels/{channel}/messages", { channel: CHANNEL }, "echo: A", "23"),
    ],
    () => 5,
  );
  expect(shown.map((m) => m.text)).toEqual(["echo: A", "echo: A", "echo: A"]);
});
