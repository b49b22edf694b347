/**
 * Forged deliveries: genuine requests with the proof damaged in every way a forger or a replay can
 * (bit flips of the signature, of the body, of the timestamp; another key; replays outside the
 * window; empty, missing and malformed headers). A forgery is accepted when it gets a 2xx or reaches
 * the queue; the figure must be 0.
 */
import type { ChannelProfile, Delivery } from "./channels/profile.ts";
import { EDGE_STRINGS } from "./corpus.ts";
import type { HeaderSet } from "./mutators.ts";
import type { BodyEncoding, Rig } from "./rig.ts";
import { Rng } from "./rng.ts";

/** The figures of one channel's forgery run. */
export interface ForgeryFigures {
  readonly channel: string;
  readonly forgeries: number;
  /** Forgeries by variant. */
  readonly byVariant: Record<string, number>;
  /** Responses by status (401 expected). */
  readonly byStatus: Record<string, number>;
  /** Forgeries answered 2xx or queued: must be 0. */
  readonly accepted: number;
  readonly acceptedSamples: readonly string[];
  /** Genuine deliveries sent alongside, as a control: each must be accepted. */
  readonly genuine: number;
  readonly genuineRejected: number;
  /** The kinds and answers of refused genuine controls. */
  readonly genuineRejectedSamples: readonly string[];
  readonly ms: number;
}

const encoder = new TextEncoder();
const HEX_RUN = /[0-9a-f]{32,}/i;

/** Flips one bit of the hex run in `value` (a signature), or of one character when there is none. */
function flipSignature(rng: Rng, value: string): string {
  const run = HEX_RUN.exec(value);
  if (run) {
    const bytes = Buffer.from(run[0], "hex");
    const at = rng.int(bytes.length);
    bytes[at] = (bytes[at] as number) ^ (1 << rng.int(8));
    return value.slice(0, run.index) + bytes.toString("hex") + value.slice(run.index + run[0].length);
  }
  const at = rng.int(value.length);
  let code = value.charCodeAt(at) ^ (1 << rng.int(5));
  if (code < 0x21 || code === 0x7f) code = 0x41;
  const flipped = value.slice(0, at) + String.fromCharCode(code) + value.slice(at + 1);
  return flipped === value ? `${value.slice(0, -1)}#` : flipped;
}

function flipBody(rng: Rng, body: Uint8Array): Uint8Array {
  const out = body.slice();
  const at = rng.int(out.length);
  out[at] = (out[at] as number) ^ (1 << rng.int(8));
  return out;
}

function single(headers: HeaderSet, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : (value ?? "");
}

type Variant = (
  rng: Rng,
  genuine: Delivery & { body: Uint8Array },
  nowMs: number,
) => Promise<Delivery | undefined>;

/** The forgery variants a channel's signing scheme admits. */
function variants(profile: ChannelProfile): Record<string, Variant> {
  const { signing } = profile;
  const sig = signing.signatureHeader;
  const ts = signing.timestampHeader;
  const route = (d: Delivery) => ({ method: d.method as "GET" | "POST", path: d.path });
  const withHeaders = (d: Delivery, headers: HeaderSet): Delivery => ({ ...d, headers });
  const out: Record<string, Variant> = {
    "signature bit flipped": async (rng, d) =>
      withHeaders(d, { ...d.headers, [sig]: flipSignature(rng, single(d.headers, sig)) }),
    "other secret or key": async (_rng, d, nowMs) => ({
      ...d,
      headers: (await signing.sign(route(d), d.body, { nowMs, other: true })).headers,
    }),
    "proof header empty": async (rng, d) =>
      withHeaders(d, { ...d.headers, [rng.pick(signing.authHeaders)]: "" }),
    "proof header missing": async (rng, d) => {
      const headers = { ...d.headers };
      delete headers[rng.pick(signing.authHeaders)];
      return withHeaders(d, headers);
    },
    "signature malformed": async (rng, d) => {
      const genuine = single(d.headers, sig);
      const junk = rng.pick([
        "0",
        "v0=",
        "sha256=",
        "00".repeat(32),
        "00".repeat(64),
        genuine.slice(0, -1),
        genuine.slice(0, Math.ceil(genuine.length / 2)),
        `${genuine}0`,
        `${genuine}${genuine}`,
        "g".repeat(genuine.length),
        ...EDGE_STRINGS.filter((s) => s.length > 0),
      ]);
      return withHeaders(d, { ...d.headers, [sig]: junk === genuine ? `${junk}x` : junk });
    },
    "signature duplicated with junk": async (rng, d) =>
      withHeaders(d, {
        ...d.headers,
        [sig]: rng.chance(0.5) ? [single(d.headers, sig), "junk"] : ["junk", single(d.headers, sig)],
      }),
  };
  if (signing.coversBody) {
    Object.assign(out, {
      "body bit flipped": async (rng, d) => ({ ...d, body: flipBody(rng, d.body) }),
      "body byte appended": async (rng, d) => {
        const body = new Uint8Array(d.body.length + 1);
        body.set(d.body);
        body[d.body.length] = rng.pick([0x20, 0x0a, 0x7d, 0x00]);
        return { ...d, body };
      },
      "body truncated": async (rng, d) => ({ ...d, body: d.body.slice(0, rng.int(d.body.length)) }),
      "signature of another body": async (_rng, d, nowMs) => {
        const other = encoder.encode(`${new TextDecoder().decode(d.body)} `);
        const signed = await signing.sign(route(d), other, { nowMs });
        return withHeaders(d, signed.headers);
      },
    } satisfies Record<string, Variant>);
  }
  if (ts && signing.replayWindowSeconds !== undefined) {
    const window = signing.replayWindowSeconds;
    Object.assign(out, {
      "timestamp shifted, signature kept": async (rng, d) => {
        const shifted = Number(single(d.headers, ts)) + (rng.chance(0.5) ? 1 : -1) * rng.range(1, window - 1);
        return withHeaders(d, { ...d.headers, [ts]: String(shifted) });
      },
      "replayed outside the window": async (rng, d, nowMs) => {
        const skew = (window + rng.range(1, 7 * 86_400)) * 1000 * (rng.chance(0.85) ? -1 : 1);
        return withHeaders(d, (await signing.sign(route(d), d.body, { nowMs: nowMs + skew })).headers);
      },
      "timestamp malformed": async (rng, d) =>
        withHeaders(d, {
          ...d.headers,
          [ts]: rng.pick(["", "-1", "abc", "1e10", "0x10", " 1", "99999999999999", "1.5", "０１２"]),
        }),
    } satisfies Record<string, Variant>);
  }
  return out;
}

/** Sends `count` forgeries (plus a genuine control every 20) through the rig's ingress. */
export async function runForgeries(
  rig: Rig,
  options: { count: number; seed: number },
): Promise<ForgeryFigures> {
  const started = performance.now();
  const { profile } = rig;
  const rng = new Rng(options.seed);
  const table = variants(profile);
  const names = Object.keys(table);
  const byVariant: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const acceptedSamples: string[] = [];
  let accepted = 0;
  let forgeries = 0;
  let genuine = 0;
  let genuineRejected = 0;
  const genuineRejectedSamples: string[] = [];
  const extras = (await profile.signing.extraForgeries?.(rng, Date.now())) ?? [];
  const encodingOf = (): BodyEncoding => (rng.chance(0.2) ? "base64" : "plain");

  const record = (label: string, status: number | undefined, queued: boolean) => {
    forgeries += 1;
    byVariant[label] = (byVariant[label] ?? 0) + 1;
    byStatus[String(status ?? "threw")] = (byStatus[String(status ?? "threw")] ?? 0) + 1;
    if ((status !== undefined && status < 300) || queued) {
      accepted += 1;
      if (acceptedSamples.length < 10)
        acceptedSamples.push(`${label}: ${status}${queued ? " (queued)" : ""}`);
    }
  };

  for (const extra of extras) {
    const outcome = await rig.deliver(extra.delivery);
    record(extra.label, outcome.status, outcome.sends > 0);
  }
  for (let i = 0; forgeries < options.count; i++) {
    const seed = profile.seed(rng);
    if (seed.body === undefined || seed.refused) continue;
    const body = encoder.encode(JSON.stringify(seed.body));
    const nowMs = Date.now();
    const proof = await profile.signing.sign(seed.route, body, { nowMs });
    const real: Delivery & { body: Uint8Array } = {
      method: seed.route.method,
      path: seed.route.path,
      headers: proof.headers,
      ...(proof.query ? { query: proof.query } : {}),
      body,
    };
    if (i % 20 === 0) {
      const control = await rig.deliver(real, encodingOf());
      genuine += 1;
      if (control.status === undefined || control.status >= 300) {
        genuineRejected += 1;
        genuineRejectedSamples.push(`${seed.kind}: ${control.status} ${control.body.slice(0, 80)}`);
      }
      continue;
    }
    const label = names[i % names.length] as string;
    const forged = await (table[label] as Variant)(rng, real, nowMs);
    if (!forged) continue;
    const outcome = await rig.deliver(forged, encodingOf());
    record(label, outcome.status, outcome.sends > 0);
  }
  return {
    channel: profile.channel,
    forgeries,
    byVariant,
    byStatus,
    accepted,
    acceptedSamples,
    genuine,
    genuineRejected,
    genuineRejectedSamples,
    ms: Math.round(performance.now() - started),
  };
}
