import type { Outbox, Part, Ref, Streaming } from "../adapter.ts";
import type { Piece } from "../agent/files.ts";
import { OutOfTimeError } from "../budget.ts";
import { PlatformError } from "../errors.ts";
import { log } from "../log.ts";
import { committable } from "../text/commit.ts";
import { type Chunk, normalise, restFrom } from "../text/split.ts";
import type { Progress, ReplyRecord } from "./send.ts";
import { isThere, sentNothing } from "./send.ts";
import { START, viewOf } from "./view.ts";

/**
 * An answer shown while the agent writes it. The agent is read as fast as it writes (never waiting on the
 * platform) and the platform is updated with the newest state, one call at a time, at most once per
 * `everyMs`: a part grows in place (a draft, or a posted message edited), and when it is full it freezes
 * at its final text and the answer goes on in the next. Where the platform only appends (Slack's streams),
 * a part grows by the Markdown the agent adds, as far as it can no longer change (text/commit.ts), and its
 * final text comes by an edit. What the stream posted is recorded in the send
 * ledger as it is posted (`sending`, then `posted` with the refs), so an attempt killed mid-stream leaves
 * messages the next attempt edits instead of posting the answer again. The final text is not this step's:
 * `sendAnswer` brings every part to it once the agent is done.
 *
 * Failures: a 429 waits its retry_after and halves the pace for the rest of the answer; a mode the
 * platform refuses for good before anything showed (drafts in a chat that does not allow them, an old Bot
 * API) gives way to the channel's fallback, and the container remembers it; any other platform failure
 * ends the live updates (the final delivery still comes); the agent failing ends the stream with its error, the partial answer left for the retry to rewrite.
 */

/** What a stream leaves for the final delivery. */
export interface Streamed {
  /** The whole answer. */
  readonly text: string;
  /** The files the agent named (agent/files.ts, unchecked): sent once the text is final. */
  readonly files: readonly unknown[];
  /** Where the stream's posted parts are, by index. */
  readonly refs: readonly (Ref | undefined)[];
  /** The text each part shows now (no edit needed where it is final). */
  readonly shown: readonly (string | undefined)[];
  /** A part whose post has an unknown outcome (the call timed out). */
  readonly inFlight: { readonly index: number; readonly since: number } | undefined;
}

export interface LiveOptions {
  readonly streaming: Streaming;
  /** The reply's key (the envelope id): logs, idempotency keys, draft ids. */
  readonly key: string;
  readonly record: ReplyRecord;
  /** What earlier attempts left (their posted parts are edited, not posted again). */
  readonly progress: Progress;
  /** Epoch ms after which waiting (for a lookup's 429) is pointless. */
  readonly deadline: number;
}

/** How long the loop sleeps when nothing happens (the agent's next piece wakes it). */
const IDLE_MS = 60_000;

/** Modes an outbox's platform refused for good, per container: not tried again. */
const refused = new WeakMap<object, Set<Streaming["mode"]>>();

/** A pause that ends early when `wake` is called. */
class Signal {
  #wake: (() => void) | undefined;
  wake(): void {
    this.#wake?.();
  }
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }
}

/** Streams `pieces` (the agent's answer as it arrives) to the reply; resolves once the agent is done. */
export async function streamAnswer<Reply>(
  pieces: AsyncIterable<Piece>,
  outbox: Outbox<Reply>,
  reply: Reply,
  options: LiveOptions,
): Promise<Streamed> {
  const { key, record } = options;
  const refs: (Ref | undefined)[] = [...(options.progress.refs ?? [])];
  const shown: (string | undefined)[] = [];
  /** The Markdown appended to each part this attempt started (append mode). */
  const appended: (string | undefined)[] = [];
  let inFlight: Streamed["inFlight"];
  let streaming = pick(outbox, options.streaming);
  let { mode, everyMs } = streaming;
  let source = "";
  const files: unknown[] = [];
  let firstText: number | undefined;
  let done = false;
  let failure: { error: unknown } | undefined;
  const signal = new Signal();

  const reading = (async () => {
    try {
      for await (const piece of pieces) {
        if (typeof piece !== "string") {
          files.push(...piece.files);
          continue;
        }
        source += piece;
        firstText ??= Date.now();
        signal.wake();
      }
    } catch (error) {
      failure = { error };
    } finally {
      done = true;
      signal.wake();
    }
  })();

  /** A post of an earlier attempt with an unknown outcome (it died before recording where it went). */
  let earlier =
    options.progress.refs?.[options.progress.inFlight?.index ?? -1] === undefined
      ? options.progress.inFlight
      : undefined;
  /**
   * Whether the earlier attempt's post of `part` is there to take over, looked up as the final step
   * does (send.ts `isThere`): where the platform says where it is, it becomes this part's message and
   * shows `part`; else it is posted anew, a message twice where the platform cannot tell. A lookup that
   * fails leaves the part in flight, for the next update or the final step to look up.
   */
  const takenOver = async (part: Part) => {
    if (earlier?.index !== part.index) return false;
    const found = await isThere(outbox, reply, part, options.progress, record, options.deadline);
    earlier = undefined;
    if (typeof found !== "string" || !outbox.edit) return false;
    await outbox.edit(reply, found, part);
    refs[part.index] = found;
    await record.posted(refs);
    return true;
  };
  /** Posts part `index` for the first time (or starts it with `markdown`), recording where it is. */
  const post = async (part: Part, markdown?: string) => {
    // A stream starts a new message (Slack's has no metadata to find): only a plain post is taken over.
    if (markdown === undefined && (await takenOver(part))) return;
    await record.sending(part.index);
    const since = Date.now();
    try {
      refs[part.index] =
        markdown !== undefined && outbox.start
          ? await outbox.start(reply, part, markdown)
          : await outbox.post(reply, part);
    } catch (error) {
      if (sentNothing(error)) await record.delivered(0);
      else inFlight = { index: part.index, since };
      throw error;
    }
    await record.posted(refs);
  };
  /** Shows `text` as part `index`: a new message, an edit of the one posted, or a draft. */
  const show = async (index: number, { text, markdown }: Chunk, final: boolean) => {
    const part: Part = { index, text, markdown, key };
    const ref = refs[index];
    if (ref !== undefined && outbox.edit) await outbox.edit(reply, ref, part);
    else if (mode === "draft" && !final && outbox.draft) await outbox.draft(reply, part);
    else await post(part);
    shown[index] = text;
    return true;
  };
  /**
   * Shows the live part: grown by the Markdown added since (append mode, a part this attempt started),
   * else as `show` does. False when there was nothing to add.
   */
  const showLive = async (index: number, text: string, markdown: string | undefined) => {
    const ref = refs[index];
    if (markdown === undefined || (ref !== undefined && appended[index] === undefined) || !outbox.append)
      return show(index, { text }, false);
    const before = appended[index] ?? "";
    if (markdown.length <= before.length || !markdown.startsWith(before)) return false;
    if (ref === undefined) await post({ index, text, key }, markdown);
    else await outbox.append(reply, ref, markdown.slice(before.length));
    appended[index] = markdown;
    // What it shows is not the part's final text (another dialect): the final delivery edits it.
    shown[index] = undefined;
    return true;
  };

  let from = START;
  let frozen = 0;
  let lastShown = 0;
  let live = false;
  let viewed = 0;
  let settled = false;
  while (!done) {
    if (source.length === viewed) {
      // Nothing new: wait for the agent (a draft is shown again before the platform drops it).
      const keepAlive = mode === "draft" && live ? streaming.keepAliveMs : undefined;
      await signal.wait(keepAlive === undefined ? IDLE_MS : lastShown + keepAlive - Date.now());
      if (!done && source.length === viewed && keepAlive !== undefined && Date.now() - lastShown >= keepAlive)
        await refresh();
      continue;
    }
    const wait = lastShown + everyMs - Date.now();
    if (wait > 0) {
      await signal.wait(wait);
      continue;
    }
    if (!settled) {
      // A whole answer in one piece (a JSON body) is done by the next turn: it goes out as a message.
      settled = true;
      await new Promise((resolve) => setTimeout(resolve, 0));
      continue;
    }
    viewed = source.length;
    const view = viewOf(source, outbox.render, outbox.limit, from);
    if (view.frozen.length === 0 && (view.live === "" || view.live === shown[frozen])) continue;
    lastShown = Date.now();
    try {
      // Each frozen part is shown at its final text once; the split moves on when all of them are.
      for (const [i, part] of view.frozen.entries())
        if (shown[frozen + i] !== part.text) await show(frozen + i, part, true);
      frozen += view.frozen.length;
      from = view.from;
      const markdown =
        mode === "append" ? committable(restFrom(normalise(source), view.from.pos)) : undefined;
      if (view.live !== "" && view.live !== shown[frozen] && (await showLive(frozen, view.live, markdown))) {
        if (!live) {
          live = true;
          log.info("reply.first_visible", {
            envelopeId: key,
            mode,
            afterFirstTextMs: Date.now() - (firstText ?? Date.now()),
          });
        }
      }
    } catch (error) {
      if (!(await recover(error))) break;
      // The state that failed to show is shown again.
      viewed = -1;
    }
  }
  await reading;
  if (failure) throw failure.error;
  return { text: source, files, refs, shown, inFlight };

  /** Shows the draft again, unchanged, so it does not expire while the agent is silent (a tool call). */
  async function refresh() {
    const text = shown[frozen];
    if (text === undefined || refs[frozen] !== undefined || !outbox.draft) return;
    lastShown = Date.now();
    await outbox.draft(reply, { index: frozen, text, key }).catch((error: unknown) => recover(error));
  }

  /** After a failed update: whether live updates go on. */
  async function recover(error: unknown): Promise<boolean> {
    const wait = error instanceof PlatformError ? error.retryAfterSeconds : undefined;
    if (wait !== undefined) {
      lastShown = Date.now() + wait * 1000 - everyMs;
      everyMs *= 2;
      log.info("platform.rate_limited", { envelopeId: key, retryAfterSeconds: wait, everyMs });
      return true;
    }
    if (streaming.fallback && !live && (streaming.refuses ?? refusedForGood)(error)) {
      // The mode refused for good (drafts not allowed in this chat, an old Bot API): the fallback from now on.
      refusedBy(outbox).add(mode);
      const reason = error instanceof PlatformError ? error.reason : undefined;
      log.info("stream.mode_refused", { envelopeId: key, mode, reason });
      streaming = streaming.fallback;
      ({ mode, everyMs } = streaming);
      lastShown = 0;
      return true;
    }
    log[error instanceof OutOfTimeError ? "info" : "warn"]("stream.stopped", { envelopeId: key, err: error });
    return false;
  }
}

/** The platform refuses a call as such (400, 404: not allowed here, unknown method), not this user or chat. */
function refusedForGood(error: unknown): boolean {
  return error instanceof PlatformError && (error.status === 400 || error.status === 404);
}

function refusedBy(outbox: object): Set<Streaming["mode"]> {
  let modes = refused.get(outbox);
  if (!modes) {
    modes = new Set();
    refused.set(outbox, modes);
  }
  return modes;
}

/** How to stream: as asked, or its fallback where this container's platform refused the mode. */
function pick(outbox: object, wanted: Streaming): Streaming {
  let streaming = wanted;
  while (streaming.fallback && refusedBy(outbox).has(streaming.mode)) streaming = streaming.fallback;
  return streaming;
}
