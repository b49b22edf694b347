import { describe, expect, test } from "bun:test";
import { bareJid, isGroupJid, isPhoneJid, jidUser, USER_JID } from "./jid.ts";

describe("JIDs", () => {
  test("the helpers drop the device", () => {
    expect(jidUser("4915:12@s.whatsapp.net")).toBe("4915");
    expect(bareJid("4915:12@s.whatsapp.net")).toBe("4915@s.whatsapp.net");
    expect(bareJid("120363000000000001@g.us")).toBe("120363000000000001@g.us");
    expect(isGroupJid("120363000000000001@g.us")).toBe(true);
    expect(isPhoneJid("77@lid")).toBe(false);
    expect(isPhoneJid(undefined)).toBe(false);
  });

  test("what an allowlist may name: a person by number or hidden id, no device, no group", () => {
    for (const ok of ["491701234567@s.whatsapp.net", "77001122334455@lid"])
      expect(USER_JID.test(ok)).toBe(true);
    for (const bad of [
      "+491701234567",
      "491701234567",
      "4917:3@s.whatsapp.net",
      "1203@g.us",
      "a@lid",
      "@lid",
    ]) {
      expect(USER_JID.test(bad)).toBe(false);
    }
  });
});
