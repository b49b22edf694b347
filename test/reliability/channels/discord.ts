/**
 * Discord, as the suite sees it: POST /discord/interactions signed with Ed25519 over timestamp + body
 * (the app's key pair, made by the fakes' WebCrypto signer) and a 5-minute replay window; PING and
 * slash-command interactions of every kind; the fake REST API for the fault simulation, which also
 * plays Discord's side of an interaction (it delivers it and records the deferred answer to edit).
 */

import {
  DEFAULT_DISCORD_APP,
  type DiscordCall,
  discordErrors,
  startDiscord,
} from "../../../emulators/discord.ts";
import {
  commandInteraction,
  createSigner,
  pingInteraction,
  type Signer,
  snowflake,
} from "../../../emulators/discord-interactions.ts";
import { edgeString, randomText } from "../corpus.ts";
import type { Rng } from "../rng.ts";
import type { ChannelProfile, Route, Seed, Send, SentReply, Signing, SimPlatform } from "./profile.ts";
import { hiddenValues } from "./profile.ts";

const ROUTE: Route = { method: "POST", path: "/discord/interactions" };
const APP = DEFAULT_DISCORD_APP.applicationId;
const ALLOWED = "100000000000000001";
const STRANGER = "100000000000000999";
/** Conversations are guild text channels 300000000000000000, 300000000000000001, … */
const channelOf = (conversation: number) => String(300_000_000_000_000_000n + BigInt(conversation));

/** Discord's Profile signs with the key pair of the fake it started last (Discord holds the private key). */
export async function discordProfile(): Promise<ChannelProfile> {
  let signer: Signer = await createSigner();
  const other = await createSigner();
  const secret = {
    application_id: APP,
    public_key: signer.publicKeyHex,
    bot_token: DEFAULT_DISCORD_APP.botToken,
  };
  const signing: Signing = {
    authHeaders: ["x-signature-ed25519", "x-signature-timestamp"],
    signatureHeader: "x-signature-ed25519",
    timestampHeader: "x-signature-timestamp",
    replayWindowSeconds: 300,
    coversBody: true,
    async sign(_route, body, { nowMs, other: wrong }) {
      const timestamp = String(Math.floor(nowMs / 1000));
      return {
        headers: {
          "content-type": "application/json",
          "x-signature-ed25519": await (wrong ? other : signer).sign(timestamp, body),
          "x-signature-timestamp": timestamp,
        },
      };
    },
  };

  const issued = new Set<string>();
  function seed(rng: Rng): Seed {
    const made = makeSeed(rng);
    const token = (made.body as { token?: unknown }).token;
    if (typeof token === "string") issued.add(token);
    return made;
  }

  function makeSeed(rng: Rng): Seed {
    const prompt = rng.chance(0.3) ? edgeString(rng) : randomText(rng, rng.range(1, 200));
    const userId = rng.chance(0.5) ? ALLOWED : snowflake(1_600_000_000_000 + rng.int(1e11));
    const kind = rng.weighted([
      [45, "/ask"],
      [10, "/ask in a DM"],
      [10, "/new"],
      [10, "PING"],
      [8, "unknown command"],
      [7, "/ask without prompt"],
      [10, "other interaction type"],
    ] as const);
    const ask = (name: string, withPrompt: boolean, dm = false) =>
      commandInteraction({ applicationId: APP, name, ...(withPrompt ? { prompt } : {}), userId, dm });
    switch (kind) {
      case "/ask in a DM":
        return { kind, route: ROUTE, body: ask("ask", true, true) };
      case "/new":
        return { kind, route: ROUTE, body: ask("new", false) };
      case "PING":
        return { kind, route: ROUTE, body: pingInteraction(APP) };
      case "unknown command":
        return { kind, route: ROUTE, body: ask(rng.pick(["help", "weather", "x".repeat(32)]), true) };
      case "/ask without prompt":
        return { kind, route: ROUTE, body: ask("ask", false) };
      case "other interaction type":
        return {
          kind,
          route: ROUTE,
          body: { ...ask("ask", true), type: rng.pick([3, 4, 5, 0, 99]) },
          refused: true,
        };
      default:
        return { kind, route: ROUTE, body: ask("ask", true) };
    }
  }

  async function startPlatform(): Promise<SimPlatform> {
    let current: Send | undefined;
    const fake = await startDiscord({
      // No per-route buckets: under pairing every made-up stranger of the fuzz has the admin asked in the
      // admin's one DM channel, and Discord's 5 messages per 5 s there would make the drain wait a minute and
      // more (the streaming e2e tests cover the buckets; the sim injects its own platform faults).
      rateLimits: false,
      transport: async (_url, request) => {
        if (!current) throw new Error("no delivery in progress");
        const answer = await current({
          route: ROUTE,
          headers: request.headers,
          body: new TextEncoder().encode(request.body),
        });
        return { status: answer.status ?? 500, body: answer.body };
      },
    });
    signer = fake.signer;
    // One interaction per message: a repeated delivery is the same interaction (same id and token).
    const interactions = new Map<string, ReturnType<typeof commandInteraction>>();
    const conversationOfToken = new Map<string, number>();
    return {
      url: fake.url,
      env: (apiUrl) => ({ DISCORD_API_URL: apiUrl, DISCORD_PUBLIC_KEY: fake.signer.publicKeyHex }),
      async deliver(message, send) {
        let interaction = interactions.get(message.token);
        if (!interaction) {
          interaction = commandInteraction({
            applicationId: APP,
            name: "ask",
            prompt: message.text ?? message.token,
            userId: message.userId,
            channelId: channelOf(message.conversation),
          });
          interactions.set(message.token, interaction);
          conversationOfToken.set(interaction.token, message.conversation);
        }
        current = send;
        try {
          return (await fake.deliver(interaction, { url: "http://ingress.invalid/discord/interactions" }))
            .status;
        } finally {
          current = undefined;
        }
      },
      envelopeIdOf: (message) => `discord:${interactions.get(message.token)?.id}`,
      // Discord does not repeat an interaction: the user sees it fail and asks again.
      retries: 0,
      sent: () => shownMessages(fake.calls, (token) => conversationOfToken.get(token)),
      isSend: (method, path) =>
        method !== "GET" && !path.endsWith("/typing") && /\/(webhooks|messages)\b/.test(path),
      tooManyRequests: (seconds) => {
        const reply = discordErrors.rateLimited(seconds);
        return { status: reply.status, headers: reply.headers, body: JSON.stringify(reply.body) };
      },
      serverError: () => ({ status: 500, body: JSON.stringify(discordErrors.serverError().body) }),
      hidden: () => [...interactions.values()].map((i) => i.token),
      close: () => fake.close(),
    };
  }

  return {
    channel: "discord",
    routes: [ROUTE],
    secret,
    hidden: hiddenValues({ "discord bot_token": DEFAULT_DISCORD_APP.botToken }),
    users: { allowed: () => ALLOWED, stranger: () => STRANGER, group: channelOf },
    signing,
    env: {},
    seed,
    issuedSecrets: () => issued,
    startPlatform,
  };
}

/**
 * The messages the user was shown, each once, by what Discord did with the calls: a message is the same
 * message however often it was edited (a stream growing it, a retry editing it to the same text) or
 * posted again with the same nonce (`enforce_nonce` returns the one already there). Each is shown with the
 * text its last change left (a deleted one shows nothing) at the time it first appeared.
 */
export function shownMessages(
  calls: readonly DiscordCall[],
  conversationOfToken: (token: string) => number | undefined,
): SentReply[] {
  const CHANNEL_BASE = 300_000_000_000_000_000n;
  /** Message ids by what names them: an interaction's @original is its message id once Discord answered. */
  const originalIds = new Map<string, string>();
  const shown = new Map<string, { conversation: number | undefined; text: string; at: number }>();
  for (const call of calls) {
    const status = call.response?.status ?? 0;
    if (status < 200 || status >= 300 || call.method === "GET" || call.route.endsWith("/typing")) continue;
    if (!call.route.includes("/webhooks/") && !call.route.includes("/messages")) continue;
    const token = call.params.token;
    const answerId = (call.response?.body as { id?: unknown } | undefined)?.id;
    let id: string | undefined;
    if (call.route.endsWith("@original")) {
      id = `original:${token}`;
      if (typeof answerId === "string") originalIds.set(answerId, id);
    } else if (call.params.message !== undefined) {
      id = originalIds.get(call.params.message) ?? `message:${call.params.message}`;
    } else if (typeof answerId === "string") {
      id = `message:${answerId}`;
    }
    if (id === undefined) continue;
    const channel = call.params.channel;
    const conversation =
      channel === undefined ? conversationOfToken(token ?? "") : Number(BigInt(channel) - CHANNEL_BASE);
    const text =
      call.method === "DELETE" ? "" : String((call.body as { content?: unknown } | undefined)?.content ?? "");
    const before = shown.get(id);
    shown.set(id, { conversation: before?.conversation ?? conversation, text, at: before?.at ?? call.at });
  }
  return [...shown.values()]
    .sort((a, b) => a.at - b.at)
    .map(({ conversation, text, at }) => ({ conversation, replyTo: undefined, text, at }));
}
