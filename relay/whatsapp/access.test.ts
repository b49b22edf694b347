import { describe, expect, test } from "bun:test";
import { whatsappAccess } from "./access.ts";

const PN = "491701234567@s.whatsapp.net";
const LID = "77001122334455@lid";

describe("whatsappAccess", () => {
  test("a listed sender is allowed under the JID the list names, the phone number first", () => {
    expect(whatsappAccess([PN]).allowedAs([LID, PN])).toBe(PN);
    expect(whatsappAccess([LID]).allowedAs([PN, LID])).toBe(LID);
    expect(whatsappAccess([LID, PN]).allowedAs([LID, PN])).toBe(PN);
    expect(whatsappAccess([PN]).allowedAs(["491701234567:5@s.whatsapp.net"])).toBe(PN);
  });

  test("anyone else is a stranger, whatever is missing or malformed", () => {
    const access = whatsappAccess([PN]);
    expect(access.allowedAs([LID])).toBeUndefined();
    expect(access.allowedAs([undefined, null])).toBeUndefined();
    expect(access.allowedAs(["491701234567", ""])).toBeUndefined();
    expect(whatsappAccess([]).allowedAs([PN])).toBeUndefined();
  });

  test("everyone: named by phone number when known", () => {
    expect(whatsappAccess(["*"]).allowedAs([LID, PN])).toBe(PN);
    expect(whatsappAccess(["*"]).allowedAs([LID, undefined])).toBe(LID);
    expect(whatsappAccess(["*"]).allowedAs([undefined])).toBeUndefined();
  });

  test("the trigger is compared in lower case", () => {
    expect(whatsappAccess([PN], "!AI").trigger).toBe("!ai");
    expect(whatsappAccess([PN]).trigger).toBeUndefined();
  });
});
