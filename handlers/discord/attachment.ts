import type { APIAttachment } from "discord-api-types/v10";
import type { Attachment } from "../core/envelope.ts";

/**
 * A file a user posted on Discord, as the envelope carries it: the kind from the content type Discord
 * states (never the file name), the signed CDN URL as its id (the worker downloads it, handlers/discord/media.ts).
 * The same for a gateway message's attachments (the relay) and a slash command's ATTACHMENT option.
 */
export function attachmentOf(
  file: Pick<APIAttachment, "url" | "filename" | "size" | "content_type">,
): Attachment {
  const type = file.content_type?.split("/", 1)[0];
  return {
    kind: type === "image" || type === "audio" || type === "video" ? type : "document",
    id: file.url,
    ...(file.content_type === undefined ? {} : { mime: file.content_type }),
    size: file.size,
    name: file.filename,
  };
}
