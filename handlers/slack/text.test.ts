import { expect, test } from "bun:test";
import { slackTextToPlain as plain } from "./text.ts";

test("our own mention is removed, with the space around it", () => {
  expect(plain("<@UBOT> what time is it", "UBOT")).toBe("what time is it");
  expect(plain("ask <@UBOT>  now", "UBOT")).toBe("ask now");
  expect(plain("hey <@UBOT|relay>", "UBOT")).toBe("hey");
  expect(plain("<@UBOT>", "UBOT")).toBe("");
});

test("other mentions, channels and specials become readable", () => {
  expect(plain("cc <@U123> and <@W9|ada> in <#C1|general> or <#C2>", "UBOT")).toBe(
    "cc @U123 and @ada in #general or #C2",
  );
  expect(plain("<!here> <!channel> <!everyone> <!subteam^S1|@devs> <!date^1392734382^{date}|Feb 18>")).toBe(
    "@here @channel @everyone @devs Feb 18",
  );
});

test("links: label and URL, or the URL; mailto dropped", () => {
  expect(plain("see <https://x.y/a?b=1&amp;c=2|the docs>")).toBe("see the docs (https://x.y/a?b=1&c=2)");
  expect(plain("<https://x.y> <https://x.y|https://x.y> <mailto:a@b.c|a@b.c>")).toBe(
    "https://x.y https://x.y a@b.c",
  );
});

test("entities are decoded once, and text is otherwise kept as typed", () => {
  expect(plain("a &lt; b &amp;&amp; c &gt; d &amp;lt;")).toBe("a < b && c > d &lt;");
  expect(plain("  code:\n    indented  twice ")).toBe("code:\n    indented  twice");
  expect(plain("nul \0 stays out")).toBe("nul  stays out");
});
