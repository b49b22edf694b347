import type { Button, FilePart, Outbox, Part, Ref } from "../adapter.ts";
import type { AgentFile } from "../agent/files.ts";
import { OutOfTimeError } from "../budget.ts";
import { isRetryable, MediaError, PlatformError } from "../errors.ts";
import type { LedgerEntry, SendLedger } from "../ledger.ts";
import { log } from "../log.ts";
import type { FileLoader } from "../media/outgoing.ts";
import { notices } from "../notices.ts";
import { retryWhenRateLimited } from "../rate-limit.ts";
import { type Chunk, splitChunks } from "../text/split.ts";
import { awaitStatus } from "./confirm.ts";

/**
 * The answer's text, delivered as whole messages: the last step of every reply, streamed or not. Every
 * channel's answer goes through here, so rendering, splitting, the ledger's bookkeeping and the waits for
 * rate limits are done once, the same way, and a channel only says how to post (and edit, where a stream
 * left messages to bring to their final text).
 */

/** What the send loop tells the send ledger about one reply; every write is best effort (see {@link recordOf}). */
export interface ReplyRecord {
  /** Part `index` is about to be posted. */
  sending(index: number): Promise<void>;
  /** `count` parts are delivered (none in flight). */
  delivered(count: number): Promise<void>;
  /** Where the posted parts of a stream are, by index. */
  posted(refs: readonly (Ref | undefined)[]): Promise<void>;
  /** Parts the platform confirmed, read anew (a delivery status recorded by the ingress). */
  seen(): Promise<readonly number[]>;
  /**
   * The whole answer is out; `delivered`, when given, is its part count, recorded with the completion
   * (the last part's delivery, which then needs no write of its own).
   */
  complete(delivered?: number): Promise<void>;
}

/** No ledger: nothing recorded, nothing known. */
export const noRecord: ReplyRecord = {
  sending: async () => {},
  delivered: async () => {},
  posted: async () => {},
  seen: async () => [],
  complete: async () => {},
};

/**
 * The ledger's writes for the reply to envelope `id`. Once a part is out, a failed write must not fail
 * the message (a retry would post the part again): the write is logged and the reply goes on.
 */
export function recordOf(ledger: SendLedger, id: string): ReplyRecord {
  const record = (operation: string, write: Promise<void>) =>
    write.catch((err: unknown) => log.warn("ledger.write_failed", { envelopeId: id, operation, err }));
  return {
    sending: (index) => record("sending", ledger.sending(id, index)),
    delivered: (count) => record("delivered", ledger.delivered(id, count)),
    posted: (refs) => record("posted", ledger.posted(id, refs)),
    seen: async () => (await ledger.get(id))?.seen ?? [],
    complete: (delivered) => record("complete", ledger.complete(id, delivered)),
  };
}

/** What earlier attempts (or the stream before this step) left on the platform. */
export interface Progress {
  /** Parts delivered in their final form. */
  readonly delivered: number;
  /** Where posted parts are, by index (a stream's messages). */
  readonly refs?: readonly (Ref | undefined)[];
  /** The part an attempt posted without learning the outcome, and when (epoch ms). */
  readonly inFlight?: { readonly index: number; readonly since: number } | undefined;
  /** Parts the platform confirmed. */
  readonly seen?: readonly number[];
  /** The part recorded in flight with the answer itself ({@link firstPost}): posted next, its mark written. */
  readonly marked?: number;
}

/**
 * The part {@link sendAnswer} posts first when nothing of the answer is on the platform (no stream's
 * message to edit, no part in flight to look up) and its text comes first: part `delivered`, whose
 * in-flight mark can then be written with the answer's own record, one DynamoDB write instead of two
 * (issue 21). Undefined when the first thing to do is an edit or a lookup, or a file (which is fetched
 * before it is marked).
 */
export function firstPost(
  progress: Progress,
  markdown: string,
  files: readonly unknown[],
): number | undefined {
  const nothingOut = (progress.refs?.length ?? 0) === 0 && progress.inFlight === undefined;
  const textFirst = progress.delivered === 0 && (files.length === 0 || markdown.trim() !== "");
  return nothingOut && textFirst ? 0 : undefined;
}

/** `record`, but its first `sending` of part `marked` writes nothing: the answer's record marked it. */
function markedAlready(record: ReplyRecord, marked: number | undefined): ReplyRecord {
  if (marked === undefined) return record;
  let first = true;
  return {
    ...record,
    sending: (index) => {
      const skip = first && index === marked;
      first = false;
      return skip ? Promise.resolve() : record.sending(index);
    },
  };
}

/** The progress a ledger entry records. */
export function progressOf(entry: LedgerEntry | undefined): Progress {
  if (!entry) return { delivered: 0 };
  return { delivered: entry.delivered, refs: entry.refs, inFlight: entry.inFlight, seen: entry.seen };
}

export interface SendOptions {
  /** Epoch ms after which waiting (for a 429's retry_after) is pointless: fail instead. */
  readonly deadline: number;
  /** A stable id of the reply (the envelope id), for the platform's idempotency keys. */
  readonly key?: string;
  /** The send ledger, bound to this reply. @default noRecord */
  readonly record?: ReplyRecord;
  /** What is out already. @default nothing */
  readonly progress?: Progress;
  /** The text each posted part shows now, when known (a stream's last update): no edit is needed where it is final. */
  readonly shown?: readonly (string | undefined)[];
  /** Buttons under the last part, where the platform has buttons (elsewhere the text says the commands). */
  readonly buttons?: readonly Button[];
  /** Files sent after the text, each one part (agent/files.ts), and how to fetch them. */
  readonly files?: { readonly list: readonly AgentFile[]; readonly load: FileLoader };
}

/** The messages `markdown` makes on a platform; never none (the "no answer" notice then). */
export function renderParts(outbox: Pick<Outbox<unknown>, "render" | "limit">, markdown: string): Chunk[] {
  const parts = splitChunks(markdown, outbox.render, outbox.limit);
  // Markup that renders to nothing still answers (and ends a Discord "thinking…").
  return parts.length > 0 ? parts : splitChunks(notices.empty, outbox.render, outbox.limit);
}

/**
 * Delivers `markdown` as the final messages of the reply: parts an earlier attempt delivered are skipped;
 * a part a stream posted is edited to its final text (where it differs); the rest are posted in order,
 * each recorded in flight before and delivered after. A part an earlier attempt left in flight is looked
 * up first where the platform can tell (Outbox.lookup, Outbox.confirms); where it cannot, it is posted
 * again. Posted parts beyond the answer's end (a longer earlier answer) are removed; then it is complete
 * (recorded with the count of its parts).
 */
export async function sendAnswer<Reply>(
  outbox: Outbox<Reply>,
  reply: Reply,
  markdown: string,
  options: SendOptions,
): Promise<void> {
  const { deadline, key, progress = { delivered: 0 }, shown = [], buttons } = options;
  const record = markedAlready(options.record ?? noRecord, progress.marked);
  const refs = progress.refs ?? [];
  const files = options.files?.list ?? [];
  // Files alone are an answer: no "no answer" notice before them.
  const texts = files.length > 0 && markdown.trim() === "" ? [] : renderParts(outbox, markdown);
  const call = <T>(work: () => Promise<T>) => retryWhenRateLimited(work, deadline);
  // The last part's delivery is recorded with the completion, which clears the in-flight mark too,
  // when the two would follow each other (no file to send and no posted part beyond the answer's end to
  // remove in between): a crash between the post and the record leaves the same entry either way, and a
  // message costs one DynamoDB write less (issue 21).
  const nothingBetween = files.length === 0 && refs.length <= texts.length;
  const recordDelivered = (count: number) =>
    count === texts.length && nothingBetween ? Promise.resolve() : record.delivered(count);
  for (const [index, { text, markdown: source }] of texts.entries()) {
    if (index < progress.delivered) continue;
    const last = index === texts.length - 1;
    const part: Part = { index, text, markdown: source, key, ...(buttons && last ? { buttons } : {}) };
    const ref = refs[index];
    if (ref !== undefined && outbox.edit) {
      const edit = outbox.edit.bind(outbox);
      // An edit is idempotent: nothing to record, a retry edits again.
      if (shown[index] !== text) await call(() => edit(reply, ref, part));
      continue;
    }
    const there =
      progress.inFlight?.index === index && (await isThere(outbox, reply, part, progress, record, deadline));
    if (there !== false) {
      // An attempt that died mid-stream left the part with its first words: brought to this text.
      if (there !== true && outbox.edit) {
        const edit = outbox.edit.bind(outbox);
        await call(() => edit(reply, there, part));
      }
      await recordDelivered(index + 1);
      continue;
    }
    await inFlight(record, index, () => call(() => outbox.post(reply, part)));
    await recordDelivered(index + 1);
  }
  if (options.files)
    await sendFiles(outbox, reply, texts.length, options.files, { deadline, key, record, progress });
  await removeBeyond(outbox, reply, refs, texts.length);
  await record.complete(texts.length + files.length);
}

/** The most bytes of files an album holds (they are in memory together): the default size cap of one file. */
export const ALBUM_MAX_BYTES = 20 * 1024 * 1024;

/**
 * The answer's files, parts `first`… of the reply, each recorded like a text part (in flight, delivered),
 * so a redelivery sends none twice and an answer cut short resumes at its first file not sent. A file is
 * fetched before it is recorded in flight; one that cannot be had (refused, too large, not valid) is
 * said in its place as a short text part; one that failed for now fails the reply (the message retries).
 * A file in flight with an unknown outcome is sent again unless the platform confirmed it. Where the
 * platform has albums (Outbox.albums), consecutive files of one album kind (up to its size and
 * {@link ALBUM_MAX_BYTES}) go out together as one part recorded at its first file's index; an album the
 * platform refuses goes file by file.
 */
async function sendFiles<Reply>(
  outbox: Outbox<Reply>,
  reply: Reply,
  first: number,
  files: NonNullable<SendOptions["files"]>,
  options: Pick<SendOptions, "deadline" | "key"> & { record: ReplyRecord; progress: Progress },
): Promise<void> {
  const { deadline, key, record, progress } = options;
  const call = <T>(work: () => Promise<T>) => retryWhenRateLimited(work, deadline);
  const end = first + files.list.length;
  /** A file loaded (or failed to load) for an album it could not join: the next one sent. */
  let ahead: { index: number; loading: Promise<FilePart | string> } | undefined;
  const load = (index: number) => {
    const loading = ahead?.index === index ? ahead.loading : undefined;
    ahead = undefined;
    return loading ?? sendableFile(files, files.list[index - first] as AgentFile, index, key);
  };
  /** `sent` and the files after it that join its album (one, when none does or there are no albums). */
  const albumFrom = async (sent: FilePart): Promise<FilePart[]> => {
    const kind = outbox.albums?.kindOf(sent);
    const max = outbox.albums?.max ?? 1;
    const album = [sent];
    let bytes = sent.bytes.byteLength;
    for (let next = sent.index + 1; kind !== undefined && next < end && album.length < max; next++) {
      const loading = load(next);
      // One that fails to load ends the album; its error is the next file's to raise.
      const other = await loading.catch(() => undefined);
      if (
        other === undefined ||
        typeof other === "string" ||
        outbox.albums?.kindOf(other) !== kind ||
        bytes + other.bytes.byteLength > ALBUM_MAX_BYTES
      ) {
        ahead = { index: next, loading };
        break;
      }
      album.push(other);
      bytes += other.bytes.byteLength;
    }
    return album;
  };
  const sendOne = async (index: number, sent: FilePart | string) => {
    await inFlight(record, index, () =>
      typeof sent === "string" ? postNote(sent, index) : call(() => upload(sent)),
    );
    await record.delivered(index + 1);
  };
  const postNote = (text: string, index: number) =>
    call(() => outbox.post(reply, { index, text: renderParts(outbox, text)[0]?.text ?? text, key }));
  const upload = async (part: FilePart) => {
    const { index } = part;
    if (!outbox.file) return postNote(fileNote(files.list[index - first] as AgentFile, part.name), index);
    await outbox.file(reply, part).catch(async (error: unknown) => {
      // The platform will never take this file (a type or size it refuses, a scope the app lacks): said
      // in its place, the rest of the answer goes on.
      if (!(error instanceof PlatformError) || isRetryable(error)) throw error;
      log.warn("reply.file_refused", { envelopeId: key, chunk: index, reason: error.reason });
      await postNote(`(${part.name}: not sent, the platform refused it)`, index);
    });
  };

  for (let index = Math.max(first, progress.delivered); index < end; ) {
    if (
      progress.inFlight?.index === index &&
      (await fileIsThere(outbox, index, key, progress, record, deadline))
    ) {
      index += 1;
      await record.delivered(index);
      continue;
    }
    const sent = await load(index);
    const album = typeof sent === "string" ? [] : await albumFrom(sent);
    const albums = outbox.albums;
    if (albums && album.length >= 2) {
      try {
        await inFlight(record, index, () => call(() => albums.send(reply, album)));
        index += album.length;
        await record.delivered(index);
        continue;
      } catch (error) {
        if (!(error instanceof PlatformError) || isRetryable(error)) throw error;
        log.warn("reply.album_refused", { envelopeId: key, chunk: index, reason: error.reason });
      }
    }
    for (const part of album.length > 0 ? album : [sent]) {
      const at = typeof part === "string" ? index : part.index;
      await sendOne(at, part);
    }
    index += Math.max(album.length, 1);
  }
}

/**
 * Whether the file an earlier attempt left in flight is on the platform: confirmed by a delivery status
 * (Outbox.confirms), else unknown (no platform can look a file up): sent again, a file twice rather than none.
 */
async function fileIsThere<Reply>(
  outbox: Outbox<Reply>,
  index: number,
  key: string | undefined,
  progress: Progress,
  record: ReplyRecord,
  deadline: number,
): Promise<boolean> {
  let found: boolean | undefined;
  if (progress.seen?.includes(index)) found = true;
  else if (outbox.confirms?.({ index, text: "", key })) {
    const since = progress.inFlight?.since ?? 0;
    found = await awaitStatus(async () => (await record.seen()).includes(index), since, deadline);
  }
  log.warn("send.uncertain", { key, chunk: index, file: true, found: found ?? "cannot tell" });
  return found === true;
}

/** The file ready to upload, or the short text said in its place when it cannot be had. */
async function sendableFile(
  files: NonNullable<SendOptions["files"]>,
  file: AgentFile,
  index: number,
  key: string | undefined,
): Promise<FilePart | string> {
  try {
    const loaded = await files.load(file);
    log.info("reply.file", {
      envelopeId: key,
      chunk: index,
      kind: loaded.kind,
      bytes: loaded.bytes.byteLength,
    });
    return { index, key, ...loaded };
  } catch (error) {
    if (!(error instanceof MediaError) || error.retryable) throw error;
    log.warn("reply.file_refused", { envelopeId: key, chunk: index, reason: error.reason, err: error });
    return `(${file.name ?? "a file"}: not sent, ${error.reason === "not available" ? "it could not be fetched" : error.reason})`;
  }
}

/** A file named in text, for a channel that cannot upload. */
function fileNote(file: AgentFile, name: string): string {
  return file.url ? `[${name}](${file.url})` : `(${name})`;
}

/**
 * Whether the part an earlier attempt left in flight is on the platform: its ref where the platform
 * says where (Outbox.lookup), true where it only confirms, false when it must be posted again.
 */
export async function isThere<Reply>(
  outbox: Outbox<Reply>,
  reply: Reply,
  part: Part,
  progress: Progress,
  record: ReplyRecord,
  deadline: number,
): Promise<Ref | boolean> {
  const since = progress.inFlight?.since ?? 0;
  let found: Ref | boolean | undefined;
  if (progress.seen?.includes(part.index)) found = true;
  else if (outbox.confirms?.(part)) {
    found = await awaitStatus(async () => (await record.seen()).includes(part.index), since, deadline);
  } else if (outbox.lookup) {
    const lookup = outbox.lookup.bind(outbox);
    found = await retryWhenRateLimited(() => lookup(reply, part, since), deadline);
  }
  log.warn("send.uncertain", {
    key: part.key,
    chunk: part.index,
    found: found === undefined ? "cannot tell" : found !== false,
  });
  return found ?? false;
}

/** Removes the posted parts from `from` on; a failure is logged (the answer itself is out). */
async function removeBeyond<Reply>(
  outbox: Outbox<Reply>,
  reply: Reply,
  refs: readonly (Ref | undefined)[],
  from: number,
): Promise<void> {
  for (const ref of refs.slice(from)) {
    if (ref === undefined || !outbox.remove) continue;
    await outbox.remove(reply, ref).catch((err: unknown) => log.warn("reply.remove_failed", { err }));
  }
}

/**
 * Part `index` recorded in flight while `work` sends it. When the call fails having certainly sent
 * nothing (the platform answered with an error, or the call never started), nothing is left in flight.
 */
async function inFlight<T>(record: ReplyRecord, index: number, work: () => Promise<T>): Promise<T> {
  await record.sending(index);
  try {
    return await work();
  } catch (error) {
    if (sentNothing(error)) await record.delivered(index);
    throw error;
  }
}

/**
 * Whether a failed call certainly left nothing on the platform: it answered 4xx/5xx, or the call was
 * not started. A timeout, a dropped connection or an unreadable 2xx may hide a message that arrived.
 */
export function sentNothing(error: unknown): boolean {
  if (error instanceof OutOfTimeError) return true;
  return error instanceof PlatformError && error.status !== undefined && error.status >= 400;
}
