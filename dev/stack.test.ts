import { expect, test } from "bun:test";
import { devNotes } from "./stack.ts";

test("with a real runtime, the start banner says attached files cannot reach it; otherwise nothing", () => {
  expect(devNotes({})).toEqual([]);
  expect(devNotes({ AGENT_URL: "http://localhost:8080" })).toEqual([]);
  const [note] = devNotes({ AGENT_RUNTIME_ARN: "arn:aws:bedrock-agentcore:us-east-1:1:runtime/x" });
  expect(note).toContain("cannot fetch");
});
