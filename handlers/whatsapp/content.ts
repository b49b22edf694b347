import type * as v from "valibot";
import type { Attachment, Command } from "../core/envelope.ts";
import type { MediaSchema, WhatsAppMessage } from "./inbound.ts";

const COMMANDS: Record<string, Command> = { start: "help", help: "help", new: "new" };

/**
 * What a message says to the agent: its text (a caption for media, a short description for a
 * location or a contact card) and attachments (media ids, never the bytes), or why it is not for the
 * agent (reactions, unsupported and system messages, orders, Flows replies).
 */
export function messageContent(
  message: WhatsAppMessage,
): { text: string; attachments: Attachment[] } | { ignored: string } {
  const media = (kind: Attachment["kind"], m: v.InferOutput<typeof MediaSchema>) => ({
    text: m.caption ?? "",
    attachments: [
      {
        kind,
        id: m.id,
        ...(m.mime_type === undefined ? {} : { mime: m.mime_type }),
        ...(m.filename === undefined ? {} : { name: m.filename }),
      },
    ],
  });
  const none = { attachments: [] };
  switch (message.type) {
    case "text":
      return message.text ? { text: message.text.body, ...none } : { ignored: "text message without text" };
    case "image":
    case "video":
    case "document":
    case "sticker": {
      const m = message[message.type];
      return m ? media(message.type, m) : { ignored: `${message.type} message without ${message.type}` };
    }
    case "audio":
      return message.audio
        ? media(message.audio.voice ? "voice" : "audio", message.audio)
        : { ignored: "audio message without audio" };
    case "interactive": {
      const choice = message.interactive?.button_reply ?? message.interactive?.list_reply;
      return choice
        ? { text: choice.title, ...none }
        : { ignored: `interactive ${message.interactive?.type}` };
    }
    case "button":
      return message.button ? { text: message.button.text, ...none } : { ignored: "button without text" };
    case "location": {
      const l = message.location;
      if (!l) return { ignored: "location message without location" };
      const place = [l.name, l.address].filter(Boolean).join(", ");
      return { text: `[location] ${place ? `${place} ` : ""}(${l.latitude}, ${l.longitude})`, ...none };
    }
    case "contacts": {
      const cards = (message.contacts ?? []).map((c) => {
        const phones = (c.phones ?? []).map((p) => p.phone ?? p.wa_id).filter(Boolean);
        return [c.name?.formatted_name, ...phones].filter(Boolean).join(" ");
      });
      return cards.length > 0
        ? { text: `[contact] ${cards.join("; ")}`, ...none }
        : { ignored: "contacts message without contacts" };
    }
    default:
      // reaction, unsupported, unknown, system, order, request_welcome …: nothing for the agent.
      return { ignored: `${message.type} message` };
  }
}

/** `/new …`, `/help`, `/start` (WhatsApp has no commands; users type them like in other channels). */
export function parseCommand(text: string): { command: Command; text: string } | undefined {
  const match = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i.exec(text.trim());
  const found = match ? COMMANDS[(match[1] ?? "").toLowerCase()] : undefined;
  return found ? { command: found, text: (match?.[2] ?? "").trim() } : undefined;
}
