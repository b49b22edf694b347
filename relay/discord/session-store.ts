import * as v from "valibot";
import { log } from "../../handlers/core/log.ts";
import type { ObjectStore } from "../store.ts";
import type { ResumableSession } from "./gateway.ts";

/** Where the Discord session is kept between tasks, in the state bucket. */
export const DISCORD_SESSION_KEY = "discord/session.json";

/** Older than this, a saved session is not tried: Discord would refuse it and the relay identify anew. */
export const SESSION_MAX_AGE_MS = 10 * 60_000;

const SavedSessionSchema = v.object({
  sessionId: v.pipe(v.string(), v.minLength(1)),
  sequence: v.pipe(v.number(), v.integer(), v.minValue(0)),
  resumeURL: v.pipe(v.string(), v.startsWith("ws")),
  botId: v.pipe(v.string(), v.regex(/^\d{17,20}$/)),
  savedAt: v.pipe(v.number(), v.integer()),
});

/** A gateway session handed from a stopping relay to the next one. */
export interface DiscordSessionStore {
  /** The session a previous relay saved, if recent; taken (deleted), so it is tried once. */
  take(): Promise<ResumableSession | undefined>;
  save(resumable: ResumableSession): Promise<void>;
}

/**
 * Keeps the gateway session (id, last sequence handled, resume URL) in the state bucket across a
 * restart: the stopping relay saves it and closes without ending the session; the next one RESUMEs
 * it, and Discord replays the messages sent in between. Failures are logged and mean a fresh
 * IDENTIFY, never a crash. Holds no secret (the token is not saved).
 */
export function discordSessionStore(store: ObjectStore, now = () => Date.now()): DiscordSessionStore {
  return {
    async take() {
      try {
        const text = await store.get(DISCORD_SESSION_KEY);
        if (text === undefined) return undefined;
        await store.delete(DISCORD_SESSION_KEY);
        const saved = v.safeParse(SavedSessionSchema, JSON.parse(text));
        if (!saved.success) return undefined;
        const age = now() - saved.output.savedAt;
        if (age > SESSION_MAX_AGE_MS) {
          log.info("discord.session_expired", { ageMs: age });
          return undefined;
        }
        const { sessionId, sequence, resumeURL, botId } = saved.output;
        return { session: { sessionId, sequence, resumeURL, shardId: 0, shardCount: 1 }, botId };
      } catch (err) {
        log.warn("discord.session_load_failed", { err });
        return undefined;
      }
    },
    async save({ session, botId }) {
      const { sessionId, sequence, resumeURL } = session;
      const body = JSON.stringify({ sessionId, sequence, resumeURL, botId, savedAt: now() });
      await store
        .put(DISCORD_SESSION_KEY, body, "application/json")
        .then(() => log.info("discord.session_saved", { sequence }))
        .catch((err: unknown) => log.warn("discord.session_save_failed", { err }));
    },
  };
}
