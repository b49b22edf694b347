import { expect, test } from "bun:test";
import { OUTBOUND_VERSION, parseOutbound } from "./outbound.ts";

const text = {
  v: OUTBOUND_VERSION,
  kind: "text",
  chatJid: "15550001111@s.whatsapp.net",
  text: "hi",
} as const;

test("an outbound message is read back as the worker queued it", () => {
  expect(parseOutbound(JSON.stringify(text))).toEqual({ ok: true, message: text });
  const typing = { v: OUTBOUND_VERSION, kind: "typing", chatJid: "120363000000000000@g.us" } as const;
  expect(parseOutbound(JSON.stringify(typing))).toEqual({ ok: true, message: typing });
});

test("anything else is refused with where it is wrong", () => {
  expect(parseOutbound("{")).toEqual({ ok: false, reason: "body is not JSON" });
  const reason = (body: unknown) => {
    const parsed = parseOutbound(JSON.stringify(body));
    return parsed.ok ? "ok" : parsed.reason.split(":")[0];
  };
  expect(reason({ ...text, chatJid: "15550001111" })).toBe("chatJid");
  expect(reason({ ...text, text: "" })).toBe("text");
  expect(reason({ ...text, v: 2 })).toBe("v");
  expect(reason({ ...text, kind: "image" })).toBe("kind");
  expect(reason("hi")).toBe("message");
});
