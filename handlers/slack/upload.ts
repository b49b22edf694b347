import type { FilePart } from "../core/adapter.ts";
import { callSignal } from "../core/budget.ts";
import { PlatformError } from "../core/errors.ts";
import { trusted } from "../core/media/download.ts";
import type { SlackCall } from "./api.ts";
import type { SlackReply } from "./reply.ts";

/** An upload may take this long (the bytes travel to Slack's file servers). */
const UPLOAD_TIMEOUT_MS = 30_000;

/**
 * Shares a file of an answer in the reply's thread, the way Slack asks apps to upload now (the
 * `files:write` scope): `files.getUploadURLExternal` (name and length) gives an upload URL and a file id,
 * the bytes are POSTed to that URL, and `files.completeUploadExternal` shares the file in the channel and
 * thread with the caption as its comment. The upload URL must be Slack's own (HTTPS on slack.com, or the
 * configured API's origin in tests): the bytes never go elsewhere.
 */
export async function uploadFile(
  call: SlackCall,
  reply: SlackReply,
  file: FilePart,
): Promise<string | undefined> {
  const { upload_url: url, file_id: id } = await call<{ upload_url?: string; file_id?: string }>(
    "files.getUploadURLExternal",
    { filename: file.name, length: file.bytes.byteLength },
  );
  if (!url || !id || !trusted(url, ["files.slack.com", ".slack.com"], process.env.SLACK_API_URL))
    throw new PlatformError("slack", "files.getUploadURLExternal", {
      reason: "no upload URL of Slack's in the answer",
      retryable: false,
      status: 502,
    });
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": file.mime },
      body: file.bytes as Uint8Array<ArrayBuffer>,
      signal: callSignal(UPLOAD_TIMEOUT_MS),
    });
  } catch (cause) {
    const reason = (cause as Error)?.name === "TimeoutError" ? "timed out" : "unreachable";
    throw new PlatformError("slack", "upload", { reason, retryable: true, cause });
  }
  await response.body?.cancel();
  if (!response.ok)
    throw new PlatformError("slack", "upload", {
      status: response.status,
      reason: `HTTP ${response.status}`,
      retryable: response.status === 429 || response.status >= 500,
    });
  await call("files.completeUploadExternal", {
    files: JSON.stringify([{ id, title: file.name }]),
    channel_id: reply.channel,
    thread_ts: reply.threadTs,
    initial_comment: file.caption,
  });
  return undefined;
}
