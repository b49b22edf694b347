/**
 * The ingress fuzzer: generated and mutated deliveries (bodies, header sets, query strings, base64
 * flags, routes) through a channel's BUILT ingress bundle, each judged on what came back and on what
 * reached the queue.
 */
import type { ChannelProfile, Delivery, Route } from "./channels/profile.ts";
import { edgeString } from "./corpus.ts";
import { type HeaderSet, mutateBytes, mutateHeaders, mutateValue } from "./mutators.ts";
import type { BodyEncoding, DeliveryOutcome, Rig } from "./rig.ts";
import { Rng } from "./rng.ts";

/** One generated request and what it should prove. */
export interface FuzzCase {
  readonly index: number;
  /** The mutations applied, e.g. `private text / wrong type / bits flipped`. */
  readonly labels: readonly string[];
  readonly delivery: Delivery;
  readonly encoding: BodyEncoding;
  /** Whether the request carries a valid proof for exactly the bytes the handler sees. */
  readonly signed: boolean;
  /** Whether SQS is down for this request. */
  readonly sqsDown: boolean;
}

/** Something the relay must never do, found by a case. */
export interface Defect {
  readonly kind: string;
  readonly caseIndex: number;
  readonly labels: readonly string[];
  readonly status: number | undefined;
  readonly detail: string;
}

/** The figures of one channel's fuzz run. */
export interface FuzzFigures {
  readonly channel: string;
  readonly seed: number;
  readonly cases: number;
  /** Responses by status class (`2xx`, `4xx`, `5xx`, `threw`). */
  readonly byClass: Record<string, number>;
  /** Requests with a valid proof that were queued, and how many SendMessage calls happened in all. */
  readonly queuedRequests: number;
  /** 5xx answered while SQS was down: the platform retries, nothing lost. */
  readonly sqsOutage5xx: number;
  readonly defects: readonly Defect[];
  readonly ms: number;
}

const JUNK_METHODS = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
const encoder = new TextEncoder();

function junkRoute(rng: Rng, routes: readonly Route[]): Route {
  const real = rng.pick(routes);
  const path = rng.pick([
    real.path,
    `${real.path}/`,
    real.path.toUpperCase(),
    `${real.path}/..${real.path}`,
    `${real.path}%00`,
    "/",
    "/telegram",
    "/slack/events",
    "/discord/interactions",
    "/whatsapp",
    `/${edgeString(rng).replace(/[?#]/g, "")}`,
  ]);
  const method = path === real.path ? rng.pick(JUNK_METHODS) : rng.pick(["GET", "POST"]);
  return { method: method as Route["method"], path };
}

/** Damages a query; `touched` names the parameter whose value the handler reads changed, if any. */
function mutateQuery(
  rng: Rng,
  query: Record<string, string | string[]>,
): { query: Record<string, string | string[]>; touched: string | undefined } {
  const out = { ...query };
  const key = rng.pick(Object.keys(out).length ? Object.keys(out) : ["hub.mode"]);
  switch (rng.int(4)) {
    case 0:
      delete out[key];
      return { query: out, touched: key };
    case 1:
      // Repeated: the handler reads the first value (API Gateway keeps both in rawQueryString).
      out[key] = [String(out[key] ?? ""), edgeString(rng)];
      return { query: out, touched: undefined };
    case 2:
      out[key] = edgeString(rng);
      return { query: out, touched: key };
    default:
      out[edgeString(rng) || "x"] = edgeString(rng);
      return { query: out, touched: undefined };
  }
}

/** The case generator: `next()` gives case 0, 1, 2 … of the run seeded with `seed`. */
export function caseGenerator(profile: ChannelProfile, seed: number, sqsOutageRate = 0.03) {
  const rng = new Rng(seed);
  let index = 0;
  return async function next(): Promise<FuzzCase> {
    const labels: string[] = [];
    const seedPayload = profile.seed(rng);
    labels.push(seedPayload.kind);
    const junk = rng.chance(0.06);
    const route = junk ? junkRoute(rng, profile.routes) : seedPayload.route;
    if (junk) labels.push(`route ${route.method} ${route.path.slice(0, 40)}`);

    let value = seedPayload.body;
    if (value !== undefined && rng.chance(0.45)) {
      for (let n = rng.range(1, 3); n > 0; n--) {
        const mutated = mutateValue(rng, value);
        value = mutated.value;
        labels.push(mutated.label);
      }
    }
    let body: Uint8Array | undefined =
      value === undefined ? undefined : encoder.encode(JSON.stringify(value));
    const unmutated = body;
    if (body !== undefined && rng.chance(0.25)) {
      const mutated = mutateBytes(rng, body);
      body = mutated.body;
      labels.push(mutated.label);
    }

    // The bytes the handler sees: API Gateway passes a plain body on as a UTF-8 string (invalid
    // sequences replaced, a leading BOM dropped by the decoder), a base64 one byte for byte.
    const encoding: BodyEncoding =
      body === undefined
        ? "plain"
        : rng.weighted([
            [82, "plain"],
            [14, "base64"],
            [2, "flag set, body not encoded"],
            [2, "flag unset, body encoded"],
          ] as const);
    if (encoding !== "plain") labels.push(encoding);
    const seen = (bytes: Uint8Array | undefined) =>
      bytes === undefined || encoding !== "plain" ? bytes : encoder.encode(new TextDecoder().decode(bytes));
    const signing = profile.signing;
    const nowMs = Date.now();
    const mode = rng.weighted([
      [75, "signed"],
      [8, "signed before the byte mutation"],
      [7, "no proof"],
      [5, "other key"],
      [5, "stale timestamp"],
    ] as const);
    const empty = new Uint8Array();
    let signed = mode === "signed";
    let proof: { headers: HeaderSet; query?: Record<string, string> } = { headers: {} };
    if (mode === "signed" || (mode === "stale timestamp" && signing.replayWindowSeconds === undefined)) {
      proof = await signing.sign(route, seen(body) ?? empty, { nowMs });
      signed = true;
    } else if (mode === "signed before the byte mutation") {
      proof = await signing.sign(route, seen(unmutated) ?? empty, { nowMs });
      signed = !signing.coversBody || sameBytes(seen(unmutated), seen(body));
    } else if (mode === "other key") {
      proof = await signing.sign(route, seen(body) ?? empty, { nowMs, other: true });
      signed = false;
    } else if (mode === "stale timestamp") {
      const skew = (signing.replayWindowSeconds as number) + rng.range(1, 86_400);
      proof = await signing.sign(route, seen(body) ?? empty, {
        nowMs: nowMs + (rng.chance(0.8) ? -skew : skew) * 1000,
      });
      signed = false;
    } else {
      const bare = await signing.sign(route, seen(body) ?? empty, { nowMs });
      for (const name of signing.authHeaders) delete bare.headers[name];
      proof = { headers: bare.headers };
    }
    if (mode !== "signed") labels.push(mode);
    // A body flagged wrongly is not the body that was signed.
    if (encoding.startsWith("flag") && signing.coversBody) signed = false;

    let headers = proof.headers;
    if (rng.chance(0.2)) {
      // A GET handshake carries its proof in the query, not in headers.
      const mutated = mutateHeaders(rng, headers, route.method === "GET" ? [] : signing.authHeaders);
      headers = mutated.headers;
      labels.push(mutated.label);
      if (mutated.authTouched) signed = false;
    }
    let query: Record<string, string | string[]> | undefined =
      seedPayload.query || proof.query ? { ...seedPayload.query, ...proof.query } : undefined;
    if (query && rng.chance(0.3)) {
      const mutated = mutateQuery(rng, query);
      query = mutated.query;
      labels.push("query mutated");
      if (mutated.touched !== undefined && signing.authQuery?.includes(mutated.touched)) signed = false;
    }

    const sqsDown = rng.chance(sqsOutageRate);
    if (sqsDown) labels.push("SQS down");
    const delivery: Delivery = {
      method: route.method,
      path: route.path,
      headers,
      ...(query ? { query } : {}),
      ...(body === undefined ? {} : { body }),
    };
    return { index: index++, labels, delivery, encoding, signed, sqsDown };
  };
}

/** Judges one outcome; returns the defects it shows (none, usually). */
export function judge(
  fuzzCase: FuzzCase,
  outcome: DeliveryOutcome,
  hidden: ReadonlyMap<string, string>,
): Omit<Defect, "caseIndex" | "labels">[] {
  const defects: Omit<Defect, "caseIndex" | "labels">[] = [];
  const status = outcome.status;
  const add = (kind: string, detail: string) => defects.push({ kind, status, detail });
  if (outcome.threw !== undefined) {
    add("handler threw", String((outcome.threw as Error)?.message ?? outcome.threw).slice(0, 200));
    return defects;
  }
  if (status === undefined || status < 100 || status > 599) add("no HTTP status", outcome.body.slice(0, 100));
  else if (status >= 500 && !outcome.outage) {
    add(
      outcome.refused > 0 ? "5xx: SQS refused the message" : "5xx without an SQS outage",
      outcome.body.slice(0, 100),
    );
  }
  if (status !== undefined && status < 300 && outcome.outage) add("acknowledged while SQS was down", "");
  if (!fuzzCase.signed && outcome.sends > 0) add("queued without a valid proof", "");
  if (!fuzzCase.signed && status !== undefined && status < 300) add("accepted without a valid proof", "");
  for (const [label, value] of hidden) {
    if (value.length >= 8 && outcome.body.includes(value)) add("secret in a response", label);
  }
  return defects;
}

const classOf = (outcome: DeliveryOutcome) =>
  outcome.threw !== undefined || outcome.status === undefined
    ? "threw"
    : `${Math.floor(outcome.status / 100)}xx`;

/** Runs `cases` generated cases through the rig's ingress. */
export async function runFuzz(rig: Rig, options: { cases: number; seed: number }): Promise<FuzzFigures> {
  const started = performance.now();
  const next = caseGenerator(rig.profile, options.seed);
  const byClass: Record<string, number> = { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, threw: 0 };
  const defects: Defect[] = [];
  let queuedRequests = 0;
  let sqsOutage5xx = 0;
  for (let i = 0; i < options.cases; i++) {
    const fuzzCase = await next();
    rig.sqsDown = fuzzCase.sqsDown;
    const outcome = await rig.deliver(fuzzCase.delivery, fuzzCase.encoding);
    rig.sqsDown = false;
    const cls = classOf(outcome);
    byClass[cls] = (byClass[cls] ?? 0) + 1;
    if (outcome.outage && (outcome.status ?? 0) >= 500) sqsOutage5xx += 1;
    if (outcome.sends > 0 && !outcome.outage && outcome.refused === 0) queuedRequests += 1;
    for (const defect of judge(fuzzCase, outcome, rig.profile.hidden)) {
      defects.push({ ...defect, caseIndex: fuzzCase.index, labels: fuzzCase.labels });
    }
  }
  return {
    channel: rig.profile.channel,
    seed: options.seed,
    cases: options.cases,
    byClass,
    queuedRequests,
    sqsOutage5xx,
    defects,
    ms: Math.round(performance.now() - started),
  };
}
