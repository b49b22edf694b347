import { expect, test } from "bun:test";
import { markdownToWhatsApp as personal } from "../../whatsapp-personal/format.ts";
import { isWebLink, linkText, unlinked } from "./links.ts";
import { markdownToText } from "./plain.ts";

test("only absolute http(s) URLs with a host may be links", () => {
  for (const url of ["https://x.y", "http://x.y/a?b#c", "HTTPS://X.Y"]) expect(isWebLink(url)).toBe(true);
  for (const url of [
    "https://",
    "http:///a",
    "/a/b",
    "x.y",
    "tg://user?id=1",
    "javascript:x",
    "mailto:a@b.c",
  ]) {
    expect({ url, link: isWebLink(url) }).toEqual({ url, link: false });
  }
});

test("a link that may not be one: its text, with the URL only when that is harmless to show", () => {
  const same = (s: string) => s;
  expect(unlinked("/a/b", "docs", same)).toBe("docs (/a/b)");
  expect(unlinked("mailto:a@b.c", "mail", same)).toBe("mail (a@b.c)");
  expect(unlinked("https://", "x", same)).toBe("x (https://)");
  expect(unlinked("a<b", "t", (s) => s.replace("<", "&lt;"))).toBe("t (a&lt;b)");
  for (const url of [
    "tg://user?id=1",
    "tg:resolve",
    " javascript:alert(1)",
    "file:///etc/passwd",
    "data:,x",
    "ftp://a",
  ]) {
    expect({ url, text: unlinked(url, "me", same) }).toEqual({ url, text: "me" });
  }
  expect(linkText("", "mailto:a@b.c")).toBe("a@b.c");
});

test("every renderer follows the rule: plain text and WhatsApp personal too", () => {
  const md = "[me](tg://user?id=1) [x](javascript:alert(1)) [docs](https://x.y) [rel](/a)";
  expect(markdownToText(md)).toBe("me x docs (https://x.y) rel (/a)");
  expect(personal(md)).toBe("me x docs (https://x.y) rel (/a)");
});
