/**
 * Mutators: each takes a well-formed piece of a request (a JSON value, the body bytes, the header set)
 * and returns a damaged copy, named so the figures can say what was tried.
 */
import { EDGE_NUMBERS, edgeString, randomJson, randomText } from "./corpus.ts";
import type { Rng } from "./rng.ts";

/** Header values; an array is a header sent more than once (API Gateway joins them with commas). */
export type HeaderSet = Record<string, string | string[]>;

type Json = unknown;
type Slot = { parent: Record<string, Json> | Json[]; key: string | number };

function slotsOf(value: Json, out: Slot[] = [], depth = 0): Slot[] {
  if (depth > 12 || value === null || typeof value !== "object") return out;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      out.push({ parent: value, key: index });
      slotsOf(item, out, depth + 1);
    });
  } else {
    for (const [key, item] of Object.entries(value as Record<string, Json>)) {
      out.push({ parent: value as Record<string, Json>, key });
      slotsOf(item, out, depth + 1);
    }
  }
  return out;
}

function set(slot: Slot, value: Json): void {
  (slot.parent as Record<string | number, Json>)[slot.key] = value;
}

function nested(depth: number): Json {
  let value: Json = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Value-level mutations of a parsed JSON body: wrong types, missing fields, edge values. */
export const VALUE_MUTATORS: Record<string, (rng: Rng, slot: Slot) => void> = {
  "field removed": (_rng, slot) => {
    if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 1);
    else delete slot.parent[slot.key as string];
  },
  "wrong type": (rng, slot) => {
    const before = typeof (slot.parent as Record<string | number, Json>)[slot.key];
    let value = randomJson(rng, 1);
    for (let i = 0; i < 5 && typeof value === before; i++) value = randomJson(rng, 1);
    set(slot, value);
  },
  "edge string": (rng, slot) => set(slot, edgeString(rng)),
  "edge number": (rng, slot) => set(slot, rng.pick(EDGE_NUMBERS)),
  "random text": (rng, slot) => set(slot, randomText(rng, rng.range(1, 300))),
  "huge string": (rng, slot) =>
    set(slot, randomText(rng, 64).repeat(rng.chance(0.1) ? rng.range(2_000, 6_000) : rng.range(20, 200))),
  "deep nesting": (rng, slot) => set(slot, nested(rng.range(100, 2_000))),
  "extra field": (rng, slot) => {
    if (!Array.isArray(slot.parent)) slot.parent[randomText(rng, rng.range(1, 12))] = randomJson(rng, 2);
  },
};

/** Applies one named value mutation at a random place of `value`, in place (or replaces it whole). */
export function mutateValue(rng: Rng, value: Json): { value: Json; label: string } {
  const slots = slotsOf(value);
  if (slots.length === 0 || rng.chance(0.05)) return { value: randomJson(rng, 3), label: "random JSON" };
  const label = rng.pick(Object.keys(VALUE_MUTATORS));
  (VALUE_MUTATORS[label] as (rng: Rng, slot: Slot) => void)(rng, rng.pick(slots));
  return { value, label };
}

const encoder = new TextEncoder();

/** The bytes of `parts`, one after the other. */
function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
const NOT_OBJECTS = ["", "null", "[]", "0", '"text"', "true", "{}", "{", "}", "[{}]", "\u0000", "{}{}"];

/** Byte-level mutations of a serialized body: truncation, bit flips, invalid UTF-8, junk, size. */
export const BYTE_MUTATORS: Record<string, (rng: Rng, body: Uint8Array) => Uint8Array> = {
  truncated: (rng, body) => body.slice(0, rng.int(Math.max(1, body.length))),
  "bits flipped": (rng, body) => {
    const out = body.slice();
    for (let i = rng.range(1, 8); i > 0 && out.length > 0; i--) {
      const at = rng.int(out.length);
      out[at] = (out[at] as number) ^ (1 << rng.int(8));
    }
    return out;
  },
  "invalid UTF-8": (rng, body) => {
    const junk = rng.pick([[0xc3], [0xff, 0xfe], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]);
    const at = rng.int(body.length + 1);
    return concat(body.subarray(0, at), Uint8Array.from(junk), body.subarray(at));
  },
  "not an object": (rng) => encoder.encode(rng.pick(NOT_OBJECTS)),
  "duplicate key": (rng, body) => {
    const text = new TextDecoder().decode(body);
    const key = /"([^"\\]{1,40})"\s*:/.exec(text)?.[1] ?? "type";
    const dup = `"${key}":${JSON.stringify(randomJson(rng, 1)) ?? "null"}`;
    const end = text.lastIndexOf("}");
    return encoder.encode(
      rng.chance(0.5) || end < 0 ? text.replace("{", `{${dup},`) : `${text.slice(0, end)},${dup}}`,
    );
  },
  "BOM and padding": (rng, body) => concat(encoder.encode(rng.pick(["\ufeff", " \n\t", "\r\n"])), body),
  "random bytes": (rng) => rng.bytes(rng.range(1, 2_000)),
  oversized: (rng, body) => concat(body, new Uint8Array(1024 * 1024 + rng.int(4096)).fill(0x20)),
};

/** Applies one named byte mutation (oversized bodies are rare: they cost a megabyte each). */
export function mutateBytes(rng: Rng, body: Uint8Array): { body: Uint8Array; label: string } {
  const labels = Object.keys(BYTE_MUTATORS).filter((l) => l !== "oversized");
  const label = rng.chance(0.005) ? "oversized" : rng.pick(labels);
  return { body: (BYTE_MUTATORS[label] as (rng: Rng, body: Uint8Array) => Uint8Array)(rng, body), label };
}

const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "application/octet-stream",
  "",
];

/**
 * Header-level mutations: `auth` names the headers that carry the request's proof; the result says
 * whether one of them was touched (then the request no longer proves anything).
 */
export function mutateHeaders(
  rng: Rng,
  headers: HeaderSet,
  auth: readonly string[],
): { headers: HeaderSet; label: string; authTouched: boolean } {
  const out: HeaderSet = { ...headers };
  const names = Object.keys(out);
  const target = auth.length > 0 && rng.chance(0.6) ? rng.pick(auth) : rng.pick(names.length ? names : ["x"]);
  const current = out[target];
  const value = Array.isArray(current) ? current.join(",") : (current ?? "");
  const kind = rng.pick([
    "header dropped",
    "header duplicated",
    "header emptied",
    "header junk",
    "header huge",
    "content-type",
    "many headers",
    "bad header name",
  ] as const);
  let touched: string | undefined = target;
  switch (kind) {
    case "header dropped":
      delete out[target];
      break;
    case "header duplicated":
      out[target] = rng.pick([
        [value, value],
        [value, edgeString(rng)],
        [edgeString(rng), value],
      ]);
      break;
    case "header emptied":
      out[target] = "";
      break;
    case "header junk":
      out[target] = rng.chance(0.5) ? edgeString(rng) : `${value}${edgeString(rng)}`;
      break;
    case "header huge":
      out[target] = value + "A".repeat(rng.range(8_000, 40_000));
      break;
    case "content-type":
      out["content-type"] = rng.pick(CONTENT_TYPES);
      touched = "content-type";
      break;
    case "many headers":
      for (let i = rng.range(20, 200); i > 0; i--)
        out[`x-junk-${i}`] = randomText(rng, 10).replace(/[^\x20-\x7e]/g, "a");
      touched = undefined;
      break;
    case "bad header name":
      out[rng.pick(["bad name", "bad:name", "bäd", "x\u0000y", ""])] = "v";
      touched = undefined;
      break;
  }
  // Fetch (and API Gateway) trim HTTP whitespace around values: a change that trimming undoes is none.
  const normal = (v: string | string[] | undefined) =>
    v === undefined
      ? undefined
      : (Array.isArray(v) ? v.join(",") : v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  const changed = touched !== undefined && normal(headers[touched]) !== normal(out[touched]);
  return { headers: out, label: kind, authTouched: changed && auth.includes(touched as string) };
}
