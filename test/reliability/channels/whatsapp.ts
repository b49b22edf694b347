/**
 * WhatsApp Cloud API, as the suite sees it: GET /whatsapp (the subscription handshake, proved by the
 * verify token) and POST /whatsapp (X-Hub-Signature-256 over the raw body, no timestamp: a replayed
 * delivery is caught by the queue's dedup on the wamid); deliveries of every kind built with the fake's
 * builders; the fake Graph API for the fault simulation, where each conversation is one user's chat.
 */
import {
  DEFAULT_APP_SECRET,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WHATSAPP_TOKEN,
  graphErrors,
  signDelivery,
  startWhatsApp,
  whatsappDelivery,
  whatsappMessage,
  whatsappStatus,
} from "../../../emulators/whatsapp.ts";
import { edgeString, randomText } from "../corpus.ts";
import type { HeaderSet } from "../mutators.ts";
import type { Rng } from "../rng.ts";
import {
  type ChannelProfile,
  type Delivery,
  deliverSigned,
  hiddenValues,
  type Route,
  type Seed,
  type Signing,
  type SimPlatform,
} from "./profile.ts";

const POST: Route = { method: "POST", path: "/whatsapp" };
const GET: Route = { method: "GET", path: "/whatsapp" };
const VERIFY_TOKEN = "reliability-verify-token_0123456789";
const OTHER_SECRET = "fedcba9876543210fedcba9876543210";
const pad = (n: number) => String(n).padStart(4, "0");
const allowedUser = (c: number) => `1555010${pad(c)}`;
const strangerUser = (c: number) => `1555099${pad(c)}`;

const signing: Signing = {
  authHeaders: ["x-hub-signature-256"],
  authQuery: ["hub.verify_token"],
  signatureHeader: "x-hub-signature-256",
  coversBody: true,
  async sign(route, body, { other }): Promise<{ headers: HeaderSet; query?: Record<string, string> }> {
    if (route.method === "GET")
      return { headers: {}, query: { "hub.verify_token": other ? `${VERIFY_TOKEN}x` : VERIFY_TOKEN } };
    return {
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signDelivery(body, other ? OTHER_SECRET : DEFAULT_APP_SECRET),
      },
    };
  },
  async extraForgeries(rng) {
    const variants = [
      "",
      `${VERIFY_TOKEN}x`,
      VERIFY_TOKEN.slice(0, -1),
      VERIFY_TOKEN.toUpperCase(),
      ` ${VERIFY_TOKEN}`,
      `${VERIFY_TOKEN},${VERIFY_TOKEN}`,
      "null",
      edgeString(rng),
    ];
    const out: { label: string; delivery: Delivery }[] = [];
    for (let i = 0; i < 100; i++) {
      const token = variants[i % variants.length] as string;
      out.push({
        label: "wrong verify token (GET)",
        delivery: {
          method: "GET",
          path: GET.path,
          headers: {},
          query: {
            "hub.mode": "subscribe",
            "hub.challenge": String(rng.int(1e9)),
            "hub.verify_token": token,
          },
        },
      });
    }
    return out;
  },
};

function seed(rng: Rng): Seed {
  const text = rng.chance(0.3) ? edgeString(rng) : randomText(rng, rng.range(1, 200));
  const from = rng.chance(0.5) ? allowedUser(rng.int(10)) : String(rng.range(10_000_000, 99_999_999_999));
  const id = `wamid.FUZZ${rng.range(1, 2 ** 40)}`;
  const kind = rng.weighted([
    [40, "text message"],
    [8, "image"],
    [8, "status update"],
    [6, "reaction"],
    [6, "two messages"],
    [6, "unsupported type"],
    [5, "other phone number"],
    [5, "other field"],
    [8, "handshake (GET)"],
    [4, "user without phone number"],
  ] as const);
  const delivery = (
    messages: ReturnType<typeof whatsappMessage>[],
    phoneNumberId = DEFAULT_PHONE_NUMBER_ID,
  ) => whatsappDelivery({ messages, phoneNumberId });
  switch (kind) {
    case "image":
      return {
        kind,
        route: POST,
        body: delivery([
          whatsappMessage({
            from,
            id,
            message: { type: "image", image: { id: "123", mime_type: "image/jpeg", caption: text } },
          }),
        ]),
      };
    case "status update":
      return {
        kind,
        route: POST,
        body: whatsappDelivery({
          statuses: [
            whatsappStatus(rng.pick(["sent", "delivered", "read", "failed"] as const), {
              to: from,
              ...(rng.chance(0.3) ? { error: { code: 131026, title: "Message Undeliverable." } } : {}),
            }),
          ],
        }),
      };
    case "reaction":
      return {
        kind,
        route: POST,
        body: delivery([
          whatsappMessage({
            from,
            id,
            message: { type: "reaction", reaction: { message_id: "wamid.X", emoji: "👍" } },
          }),
        ]),
      };
    case "two messages":
      return {
        kind,
        route: POST,
        body: delivery([
          whatsappMessage({ from, id, text }),
          whatsappMessage({ from, id: `${id}b`, text: `${text}!` }),
        ]),
      };
    case "unsupported type":
      return {
        kind,
        route: POST,
        body: delivery([
          whatsappMessage({ from, id, message: { type: "unsupported", errors: [{ code: 131051 }] } }),
        ]),
      };
    case "other phone number":
      return { kind, route: POST, body: delivery([whatsappMessage({ from, id, text })], "999999999999") };
    case "other field": {
      const body = delivery([whatsappMessage({ from, id, text })]) as unknown as {
        entry: { changes: { field: string }[] }[];
      };
      for (const change of body.entry[0]?.changes ?? []) change.field = "account_update";
      return { kind, route: POST, body };
    }
    case "handshake (GET)":
      return { kind, route: GET, query: { "hub.mode": "subscribe", "hub.challenge": String(rng.int(1e9)) } };
    case "user without phone number":
      return {
        kind,
        route: POST,
        body: delivery([whatsappMessage({ from: null, userId: `US.${rng.int(1e12)}`, id, text })]),
      };
    default:
      return { kind, route: POST, body: delivery([whatsappMessage({ from, id, text })]) };
  }
}

/** The fake Graph API; text sends it accepted are the replies. */
async function startPlatform(): Promise<SimPlatform> {
  const fake = await startWhatsApp();
  return {
    url: fake.url,
    env: (apiUrl) => ({ WHATSAPP_API_URL: apiUrl }),
    deliver: (message, send) =>
      deliverSigned(
        signing,
        POST,
        whatsappDelivery({
          messages: [
            whatsappMessage({
              from: message.userId,
              id: `wamid.SIM${message.eventNumber}`,
              text: message.text ?? message.token,
            }),
          ],
        }),
        send,
      ),
    envelopeIdOf: (message) => `whatsapp:wamid.SIM${message.eventNumber}`,
    // Meta reports sent and delivered for every message it took, signed like any delivery.
    reportStatuses: (send) =>
      fake.setStatusWebhook(
        async (body, headers) =>
          (await send({ route: POST, headers, body: new TextEncoder().encode(body) })).status ?? 0,
      ),
    // Meta repeats a failed delivery with backoff for days.
    retries: Number.POSITIVE_INFINITY,
    sent: () =>
      fake.calls
        .filter((call) => call.kind === "send" && call.response?.status === 200)
        .map((call) => {
          const to = String(call.params.to ?? "");
          return {
            conversation: /^1555(010|099)\d{4}$/.test(to) ? Number(to.slice(7)) : undefined,
            replyTo: undefined,
            text: String((call.params.text as { body?: unknown } | undefined)?.body ?? ""),
            at: call.at,
          };
        }),
    // Replies are text messages; the read receipt with its typing indicator goes to the same endpoint.
    isSend: (method, path, body) =>
      method === "POST" && /\/messages$/.test(path.split("?")[0] ?? "") && !body.includes('"status":"read"'),
    tooManyRequests: () => {
      const reply = graphErrors.rateLimited();
      return { status: reply.status, body: JSON.stringify(reply.body) };
    },
    serverError: () => {
      const reply = graphErrors.serverError(500);
      return { status: reply.status, body: JSON.stringify(reply.body) };
    },
    hidden: () => [],
    close: () => fake.close(),
  };
}

/** WhatsApp Cloud API's profile. */
export async function whatsappProfile(): Promise<ChannelProfile> {
  return {
    channel: "whatsapp",
    routes: [POST, GET],
    secret: {
      access_token: DEFAULT_WHATSAPP_TOKEN,
      app_secret: DEFAULT_APP_SECRET,
      verify_token: VERIFY_TOKEN,
      phone_number_id: DEFAULT_PHONE_NUMBER_ID,
    },
    hidden: hiddenValues({
      "whatsapp access_token": DEFAULT_WHATSAPP_TOKEN,
      "whatsapp app_secret": DEFAULT_APP_SECRET,
      "whatsapp verify_token": VERIFY_TOKEN,
    }),
    users: { allowed: allowedUser, stranger: strangerUser },
    signing,
    env: {},
    seed,
    startPlatform,
  };
}
