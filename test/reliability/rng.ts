/**
 * Seeded randomness for the reliability suite: every generated request, mutation and fault decision
 * comes from here, so a run is repeatable from its seed.
 */
import { prng } from "../../handlers/core/text/testing.ts";

/** FNV-1a (32 bit) of the parts: a stable seed from content, independent of call order. */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = `${String(part)}\u0000`;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return hash >>> 0;
}

/** A seeded pseudo-random generator with the helpers generators need. */
export class Rng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = prng(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.#next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.#next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick of an empty list");
    return items[this.int(items.length)] as T;
  }

  /** One element, chosen with the given weights (`[weight, value]` pairs). */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let r = this.#next() * total;
    for (const [weight, value] of choices) {
      r -= weight;
      if (r < 0) return value;
    }
    return (choices.at(-1) as readonly [number, T])[1];
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }

  /** A new generator seeded from this one (for an independent stream). */
  fork(): Rng {
    return new Rng(this.int(2 ** 32));
  }
}
