import type { ChannelAdapter } from "../core/adapter.ts";
import { slackApi } from "./api.ts";
import { slackMedia } from "./media.ts";
import { slackOutbox } from "./outbox.ts";
import { type SlackReply, SlackReplySchema, slackReplyTo } from "./reply.ts";
import { type SlackSecret, SlackSecretSchema } from "./secret.ts";

interface AuthTest {
  team?: string;
  team_id?: string;
  user_id?: string;
  bot_id?: string;
}

/**
 * Slack as a channel. Nothing is registered by API at deploy time: a Slack app's request URL, scopes and
 * events live in its manifest, which only a configuration token (valid 12 hours) may change, so the module
 * outputs the manifest to paste instead. `setup` only checks the bot token (auth.test) when run by hand.
 */
export const slack: ChannelAdapter<SlackSecret, SlackReply> = {
  channel: "slack",
  secretSchema: SlackSecretSchema,
  replySchema: SlackReplySchema,
  // assistant.threads.setStatus clears after 2 minutes without a message; a reaction stays (added once).
  typingIntervalMs: 60_000,
  media: (secret) => slackMedia(secret.bot_token),
  outbox: (secret) => slackOutbox(slackApi(secret.bot_token)),
  replyTo: slackReplyTo,
  async setup(secret) {
    const me = await slackApi(secret.bot_token)<AuthTest>("auth.test");
    return {
      team: me.team ?? null,
      teamId: me.team_id ?? null,
      botUserId: me.user_id ?? null,
      registered: "nothing: paste the module's app_manifest into the Slack app",
    };
  },
  async teardown() {
    return { registered: "nothing to undo" };
  },
};
