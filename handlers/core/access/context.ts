import type { Button } from "../adapter.ts";
import type { AccessSettings } from "./settings.ts";
import type { AccessStore } from "./store.ts";

/**
 * Sending where the message being answered did not come from: an admin's own chat (a pairing request, the
 * daily cap), or the chat of someone an admin just allowed. The worker binds it to the channel's outbox
 * and the send ledger, so each such message goes out once however often its envelope is retried.
 */
export interface Reach {
  /** The user's own chat with the bot, where the platform lets a bot open one; undefined where not. */
  direct(userId: string): Promise<unknown>;
  /** Sends `text` to the reply context `to` once per `key`; a failure is logged, never thrown. */
  send(to: unknown, key: string, text: string, buttons?: readonly Button[]): Promise<boolean>;
}

/** What the access control needs: the settings, the table, the channel's manners, a way to reach people. */
export interface AccessContext {
  readonly channel: string;
  readonly settings: AccessSettings;
  /** Undefined without a table (LEDGER_TABLE unset): no run-time grants, codes, counters or cap. */
  readonly store: AccessStore | undefined;
  /** Whether a refused user is told so (ChannelAdapter.answersStrangers); false: no pairing either. */
  readonly answersStrangers: boolean;
  /** ChannelAdapter.directWindowMs: a bot may write to a user only this long after their last message. */
  readonly directWindowMs: number | undefined;
  readonly reach: Reach;
  readonly now: () => number;
}
