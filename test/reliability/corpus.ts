/**
 * Raw material for generated requests: strings that break naive code (unicode edge cases, markup of
 * every platform, injection classics) and random JSON values of every type.
 */
import type { Rng } from "./rng.ts";

/** Strings that have broken parsers, encoders, loggers and renderers somewhere. */
export const EDGE_STRINGS: readonly string[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\udc00y\ud83d",
  "😀",
  "👩‍👩‍👧‍👦 🇺🇳 🏳️‍🌈",
  "\ufeffBOM first",
  "\ufffe\uffff",
  "\ufffd replacement",
  "\u202eRTL override\u202c",
  `Z${"\u0301\u0327\u0352".repeat(40)}algo`,
  "line\u2028sep\u2029para",
  "\u0001\u001f\u007f\u0085\u009f",
  "\r\n\r\n\t\v\f",
  '"quoted" \\backslash\\ \\u0000 \\ud800',
  "</script><script>alert(1)</script>",
  "<b>bold</b> &amp; &lt; <a href='javascript:x'>",
  "**md** _it_ `code` ```fence [l](javascript:alert(1))",
  "@everyone @here <@U0BOTUSER1> <!channel> <#C123|general>",
  `$${"{"}jndi:ldap://x/a} {{7*7}} %s%n%x`,
  "../../../../etc/passwd",
  "' OR 1=1 --; DROP TABLE users;",
  "/new",
  "/help@RelayBot extra",
  "1e309",
  "-0",
  "NaN",
  "null",
  "𝕿𝖊𝖑𝖊𝖌𝖗𝖆𝖒 ﷽ ꧅ 𒐫",
];

/** Numbers at the edges of what JSON and integer ids can carry. */
export const EDGE_NUMBERS: readonly number[] = [
  0,
  -1,
  1.5,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 1,
  -(2 ** 63),
  1e308,
  -1e-308,
  Number.MAX_SAFE_INTEGER,
];

/** An edge string, sometimes repeated into a long one. */
export function edgeString(rng: Rng): string {
  const base = rng.pick(EDGE_STRINGS);
  return rng.chance(0.15) ? base.repeat(rng.range(2, 2000)) : base;
}

/** A string of `length` characters drawn from every plane (ASCII, BMP, astral, surrogates). */
export function randomText(rng: Rng, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    const kind = rng.int(10);
    if (kind < 6) out += String.fromCharCode(rng.range(0x20, 0x7e));
    else if (kind < 8) out += String.fromCharCode(rng.range(0xa0, 0xd7ff));
    else if (kind < 9) out += String.fromCodePoint(rng.range(0x10000, 0x10ffff));
    else out += String.fromCharCode(rng.int(0x10000));
  }
  return out;
}

/** A random JSON value: scalars of every type, arrays, objects, nested up to `depth`. */
export function randomJson(rng: Rng, depth = 3): unknown {
  const kind = rng.int(depth > 0 ? 8 : 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(EDGE_NUMBERS);
    case 3:
      return rng.int(1000);
    case 4:
      return edgeString(rng);
    case 5:
      return randomText(rng, rng.int(40));
    case 6:
      return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1));
    default:
      return Object.fromEntries(
        Array.from({ length: rng.int(4) }, () => [
          randomText(rng, rng.range(1, 8)),
          randomJson(rng, depth - 1),
        ]),
      );
  }
}
