import { describe, expect, test } from "bun:test";
import { restartMayHelp, WAITING_FOR_A_PERSON } from "./connections.ts";

describe("restartMayHelp", () => {
  test("no: every connection ready, or waiting for a person (pairing, unlinked)", () => {
    expect(restartMayHelp(["ready"])).toBe(false);
    expect(restartMayHelp(["ready", "pairing"])).toBe(false);
    expect(restartMayHelp(["unlinked", "ready"])).toBe(false);
    expect([...WAITING_FOR_A_PERSON]).toEqual(["pairing", "unlinked"]);
  });

  test("yes: a connection failed, is not up, or there is none", () => {
    for (const state of ["failed", "connecting", "reconnecting", "stopped", "made-up"]) {
      expect(restartMayHelp(["ready", state])).toBe(true);
    }
    expect(restartMayHelp(["pairing", "failed"])).toBe(true);
    expect(restartMayHelp([])).toBe(true);
  });
});
