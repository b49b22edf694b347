/**
 * Where Slack's admins are asked about a stranger, through the built bundles: the worker opens a DM with
 * each admin (conversations.open). A Slack admin answers with a typed command (a leading space keeps
 * Slack's client from taking it for one of its own slash commands).
 */
import { describe, expect, test } from "bun:test";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  slackEventCallback,
  slackHeaders,
  slackMessageEvent,
  startSlack,
} from "../emulators/slack.ts";
import { accessTexts } from "../handlers/core/access/texts.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";

const codeIn = (text: string | undefined) => /\b([0-9A-Z]{6})\b/.exec(text ?? "")?.[1] ?? "";

describe("Slack", async () => {
  const ADMIN = "U0ADMIN01";
  const STRANGER = "U0STRANGE1";
  const slack = await useChannelE2E({
    channel: "slack",
    secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
    platform: () => startSlack(),
    ledger: "slack-access-ledger",
    env: (platform) => ({ ACCESS_POLICY: "pairing", ADMINS: ADMIN, SLACK_API_URL: platform.url }),
  });
  const dm = async (user: string, text: string) => {
    const raw = JSON.stringify(
      slackEventCallback(slackMessageEvent({ text, user, channel: `D${user.slice(1)}` })),
    );
    const response = await slack.ingress(
      httpApiEvent({ method: "POST", path: "/slack/events", headers: slackHeaders(raw), body: raw }),
      lambdaContext({ timeoutMs: 10_000 }),
    );
    expect(response.statusCode).toBe(200);
    await slack.work();
  };
  const said = (channel: string) =>
    slack.platform.messages.filter((m) => m.channel === channel).map((m) => m.text);

  test("the admin is asked in a DM the worker opens; a typed /allow lets the stranger in", async () => {
    await dm(STRANGER, "hello?");
    const code = codeIn(said(`D${STRANGER.slice(1)}`)[0]);
    expect(said(`D${STRANGER.slice(1)}`)).toEqual([accessTexts.pairing(code)]);
    expect(slack.platform.callsOf("conversations.open").map((c) => c.params.users)).toEqual([ADMIN]);
    expect(said("D0ADMIN01")[0]).toContain(`/allow ${code}`);
    await dm(ADMIN, ` /allow ${code}`);
    expect(said("D0ADMIN01").at(-1)).toStartWith(`Allowed ${STRANGER}`);
    await dm(STRANGER, "now?");
    expect(slack.stack.agentcore.invocations().map((c) => (c.payload as { prompt: string }).prompt)).toEqual([
      "now?",
    ]);
  });
});
