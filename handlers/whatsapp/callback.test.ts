import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { CALLBACK_DATA_MAX_BYTES, ChunkCallbackSchema, chunkCallbackData } from "./callback.ts";

const ID = "whatsapp:wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUZDRjA1QzE4NkE4MTdBRTQA";

describe("chunk callback data", () => {
  test("names the envelope and the chunk, and reads back", () => {
    expect(chunkCallbackData(ID, 0)).toBe(`${ID}#0`);
    expect(chunkCallbackData(ID, 73)).toBe(`${ID}#73`);
    for (const index of [0, 1, 73, 9999]) {
      const data = chunkCallbackData(ID, index) as string;
      expect(v.parse(ChunkCallbackSchema, data)).toEqual({ envelopeId: ID, index });
    }
  });

  test("left out when it would not fit Meta's 512 bytes or could not be read back", () => {
    const longest = `whatsapp:${"w".repeat(256)}`;
    expect(chunkCallbackData(longest, 9999)?.length).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
    expect(chunkCallbackData(`whatsapp:${"w".repeat(257)}`, 0)).toBeUndefined();
    expect(chunkCallbackData("whatsapp:wamid.ünïcode", 0)).toBeUndefined();
    expect(chunkCallbackData("whatsapp:a#b", 0)).toBeUndefined();
    expect(chunkCallbackData(ID, 10_000)).toBeUndefined();
    expect(chunkCallbackData("telegram:42", 0)).toBeUndefined();
  });

  test("anything else in a status is not ours", () => {
    for (const data of [
      "",
      "order-4711",
      "whatsapp:#0",
      `${ID}#`,
      `${ID}#-1`,
      `${ID}#01`,
      `${ID}#1.5`,
      `${ID}#0 `,
      `${ID}#0\n`,
      `whatsapp:${"w".repeat(600)}#0`,
    ]) {
      expect({ data, ok: v.is(ChunkCallbackSchema, data) }).toEqual({ data, ok: false });
    }
  });
});
