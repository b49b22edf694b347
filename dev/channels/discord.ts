import { startDiscord, UPLOADED } from "../../emulators/discord.ts";
import { commandInteraction } from "../../emulators/discord-interactions.ts";
import { fileHtml } from "./files.ts";
import { markdownHtml } from "./markdown-html.ts";
import { type DevChannel, devFileBytes, type UiEvent } from "./types.ts";

/**
 * Discord in the emulator: the page's messages become `/ask` slash commands (a 📎 file its `file:` option), signed with the
 * fake application's Ed25519 key; the deferred "thinking…" answer is edited into the reply, grows
 * edit by edit while the agent writes, and longer answers continue as follow-ups (edited as they grow,
 * removed when a retry's answer is shorter), as in a Discord client.
 */
export const discordDev: DevChannel = {
  name: "discord",
  title: "Discord",
  routes: ["/discord/interactions"],
  async start() {
    const fake = await startDiscord();
    let seen = 0;
    let attached = 0;
    const pending: UiEvent[] = [];
    return {
      secret: {
        application_id: fake.applicationId,
        public_key: fake.signer.publicKeyHex,
        bot_token: fake.botToken,
      },
      env: { DISCORD_API_URL: fake.url, DISCORD_PUBLIC_KEY: fake.signer.publicKeyHex },
      user: { id: "111111111111111001", name: "You" },
      stranger: { id: "111111111111112002", name: "Stranger" },
      // The slash commands come from a server channel (commandInteraction's default).
      groups: ["300000000000000001"],
      files: true,
      async deliver(text, user, ingressBase, file) {
        // A file: on the fake's CDN, given to /ask as its `file:` option (Discord resolves it in the command).
        const stored = file && fake.attachments.add(devFileBytes(file), { contentType: file.mime });
        const ask = text.trim() !== "/new" || stored !== undefined;
        const interaction = commandInteraction({
          applicationId: fake.applicationId,
          name: ask ? "ask" : "new",
          ...(ask ? { prompt: text.trim() === "" ? "(a file)" : text } : {}),
          userId: user.id,
          userName: user.name,
          ...(file && stored
            ? {
                file: {
                  id: String(BigInt("600000000000000000") + BigInt(++attached)),
                  filename: file.name,
                  contentType: file.mime,
                  size: stored.bytes.byteLength,
                  url: fake.cdnUrl(stored.id, file.name),
                },
              }
            : {}),
        });
        const envelopeId = `discord:${interaction.id}`;
        const answer = await fake.deliver(interaction, { url: `${ingressBase}/discord/interactions` });
        if ((answer.json as { type?: number } | undefined)?.type === 5) {
          pending.push({
            channel: "discord",
            kind: "message",
            id: interaction.id,
            html: "<i>Bot is thinking…</i>",
            at: Date.now(),
          });
        }
        return { status: answer.status, envelopeId };
      },
      drain() {
        const events = pending.splice(0);
        for (const call of fake.calls.slice(seen)) {
          if (!call.response || call.response.status >= 300) continue;
          const body = (call.body ?? {}) as { content?: string; [UPLOADED]?: unknown };
          // Uploaded files show above the content, as Discord shows attachments with their message.
          const uploads = (body[UPLOADED] ?? []) as { filename: string; type: string; bytes: Uint8Array }[];
          const files = uploads.map((f) =>
            fileHtml({ name: f.filename, mime: f.type || "application/octet-stream", bytes: f.bytes }),
          );
          const content = body.content ? markdownHtml(body.content) : "";
          const html = [...files, ...(content ? [content] : [])].join("<br>");
          const id = String(
            call.params.message ?? (call.response.body as { id?: string } | undefined)?.id ?? call.at,
          );
          // The deferred response shows under the interaction's id (its "thinking…" line).
          const shownAs = (message: string) => {
            const original = fake.messages.find((m) => m.id === message && m.deferred !== undefined);
            return original?.interactionId ?? message;
          };
          if (call.method === "PATCH" && /\/messages\/(@original|\{message\})$/.test(call.route)) {
            events.push({ channel: "discord", kind: "edit", id: shownAs(id), html, at: call.at });
          } else if (call.method === "DELETE" && call.route.endsWith("/messages/{message}")) {
            events.push({ channel: "discord", kind: "edit", id, html: "<i>(deleted)</i>", at: call.at });
          } else if (
            call.method === "POST" &&
            (call.route.startsWith("POST /webhooks/") || call.route.endsWith("/messages"))
          ) {
            events.push({ channel: "discord", kind: "message", id, html, at: call.at });
          } else if (call.route.endsWith("/typing")) {
            events.push({ channel: "discord", kind: "typing", at: call.at });
          }
        }
        seen = fake.calls.length;
        return events;
      },
      close: () => fake.close(),
    };
  },
};
