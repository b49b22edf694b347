import { expect, test } from "bun:test";
import { markdownToDiscord } from "../../discord/format.ts";
import { markdownToSlackMrkdwn } from "../../slack/format.ts";
import { markdownToTelegramHtml } from "../../telegram/format.ts";
import { markdownToWhatsApp } from "../../whatsapp/format.ts";
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

const CHANNELS = {
  telegram: markdownToTelegramHtml,
  slack: markdownToSlackMrkdwn,
  discord: markdownToDiscord,
  whatsapp: markdownToWhatsApp,
  "plain text": markdownToText,
};

test("on every channel only http(s) links are links: tg://, javascript:, file:, data: and any other scheme show their text", () => {
  const unsafe =
    "[me](tg://user?id=1) [x](javascript:alert(1)) [f](file:///etc/passwd) [d](data:text/html,hi) [v](VBScript:x) [t](ftp://a.b/c) [j](tg:resolve?domain=x)";
  for (const [channel, render] of Object.entries(CHANNELS)) {
    expect({ channel, text: render(unsafe) }).toEqual({ channel, text: "me x f d v t j" });
    expect({ channel, text: render("[mail](mailto:a@b.c) [rel](/a/b)") }).toEqual({
      channel,
      text: "mail (a@b.c) rel (/a/b)",
    });
    expect({ channel, linked: render("[docs](https://x.y)").includes("https://x.y") }).toEqual({
      channel,
      linked: true,
    });
  }
});
