import { expect, test } from "bun:test";
import { commandNamed, parseCommand } from "./inbound.ts";

test("commands by name, in any case; nothing else is one (not even Object's own keys)", () => {
  expect(["start", "help", "NEW", "New"].map(commandNamed)).toEqual(["help", "help", "new", "new"]);
  expect(["allow", "Deny", "users", "revoke", "group"].map(commandNamed)).toEqual([
    "allow",
    "deny",
    "users",
    "revoke",
    "group",
  ]);
  for (const name of ["ask", "", "constructor", "toString", "__proto__", "hasOwnProperty"]) {
    expect({ name, command: commandNamed(name) }).toEqual({ name, command: undefined });
  }
});

test("a typed command at the start, alone or before text, and the text after it", () => {
  expect(parseCommand("/new")).toEqual({ command: "new", text: "" });
  expect(parseCommand("  /HELP  ")).toEqual({ command: "help", text: "" });
  expect(parseCommand("/start now")).toEqual({ command: "help", text: "now" });
  expect(parseCommand("/new\ntell me\n  a joke ")).toEqual({ command: "new", text: "tell me\n  a joke" });
  expect(parseCommand(" /allow k7mx2p")).toEqual({ command: "allow", text: "k7mx2p" });
});

test("no command: another word, a command glued to more, or one later in the text", () => {
  for (const text of [
    "",
    "hello",
    "/ask me",
    "/new@otherbot",
    "/news today",
    "/new.",
    "say /new",
    "/",
    "/constructor",
  ]) {
    expect({ text, parsed: parseCommand(text) }).toEqual({ text, parsed: undefined });
  }
});
