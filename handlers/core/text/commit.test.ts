import { expect, test } from "bun:test";
import { committable } from "./commit.ts";
import { SHORT_ANSWERS } from "./corpus.ts";
import { heal } from "./heal.ts";

test("what is open is held back to the word before it; what is whole goes", () => {
  expect(committable("Hello wor")).toBe("Hello wor");
  expect(committable("Hello **wor")).toBe("Hello ");
  expect(committable("Hello **world** and *it")).toBe("Hello **world** and ");
  expect(committable("see [docs](http")).toBe("see ");
  expect(committable("line one\nline **two is")).toBe("line one\nline ");
  expect(committable("- a\n-")).toBe("- a\n");
  expect(committable("```js\nx = 1\n")).toBe("```js\nx = 1\n");
});

test("over every prefix of the corpus: a prefix of the answer that heal leaves alone", () => {
  for (const answer of SHORT_ANSWERS) {
    for (let end = 1; end <= answer.length; end += 3) {
      const prefix = answer.slice(0, end);
      const sent = committable(prefix);
      expect(prefix.startsWith(sent)).toBe(true);
      expect(heal(sent)).toBe(sent);
    }
  }
});
