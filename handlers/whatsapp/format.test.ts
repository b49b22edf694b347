import { describe, expect, test } from "bun:test";
import { renderChunks } from "../core/text/split.ts";
import { corpus, prng } from "../core/text/testing.ts";
import { markdownToWhatsApp as wa } from "./format.ts";
import { WHATSAPP_LIMIT } from "./outbox.ts";

const ZWSP = "\u200b";

describe("markdownToWhatsApp", () => {
  test("inline formatting: *bold*, _italic_, ~strike~, `code`", () => {
    expect(wa("**b** *i* ~~s~~ `c` __B__ _I_")).toBe("*b* _i_ ~s~ `c` *B* _I_");
    expect(wa("***both***")).toBe("_*both*_");
  });

  test("formatting nests: bold around code, italic around bold", () => {
    expect(wa("*x* and **`y`** and *a **b** c*")).toBe("_x_ and *`y`* and _a *b* c_");
  });

  test("text is sent as it is: no escapes exist, the parser already took the pairs", () => {
    expect(wa('a < b & c > d "e" snake_case_name')).toBe('a < b & c > d "e" snake_case_name');
    expect(wa("\\*not bold\\*")).toBe("*not bold*");
  });

  test("a stray ``` cannot turn the rest of the message monospace", () => {
    expect(wa("`` ``` ``")).toBe(`\`\`${ZWSP}\``);
    expect(wa("```\na ``` b\n```")).toBe(`\`\`\`a \`\`${ZWSP}\` b\`\`\``);
    expect(wa("~~~\n`````\n~~~")).toBe(`\`\`\`\`\`${ZWSP}\`\`${ZWSP}\`\`\`\``);
  });

  test("links: no markup on WhatsApp, so text (url); dangerous schemes keep only the text", () => {
    expect(wa("[docs](https://x.y) <https://a.b> [](https://q.r) [https://s.t](https://s.t)")).toBe(
      "docs (https://x.y) https://a.b https://q.r https://s.t",
    );
    expect(wa("[x](javascript:alert(1)) [y](data:text/html,hi)")).toBe("x y");
    expect(wa("[`npm i`](https://npmjs.com)")).toBe("npm i (https://npmjs.com)");
  });

  test("headings are bold, rules a line, blocks separated by a blank line", () => {
    expect(wa("# Title\ntext\n\n---\n\n## Sub *it*")).toBe("*Title*\n\ntext\n\n———\n\n*Sub _it_*");
  });

  test("code blocks and tables are ```monospace```, without the language", () => {
    expect(wa("```js\nconst a = 1;\nlet b = a * 2;\n```")).toBe("```const a = 1;\nlet b = a * 2;```");
    expect(wa("| Name | Qty |\n|:--|--:|\n| **apple** | 3 |")).toBe(
      "```Name  | Qty\n------+----\napple |   3```",
    );
    expect(wa("```\n\n```")).toBe("");
  });

  test('lists as "- " and "1. ", nested by indentation; code in an item keeps its lines', () => {
    expect(wa("- a\n- b\n  - c\n\n3. x\n4. y\n   more")).toBe("- a\n- b\n  - c\n\n3. x\n4. y\n   more");
    expect(wa("1. run:\n   ```sh\n   make\n     all\n   ```\n2. done")).toBe(
      "1. run:\n   ```make\n  all```\n2. done",
    );
  });

  test('quotes: "> " on every line, nested quotes joined, blank lines dropped', () => {
    expect(wa("> **Note:** a\n>\n> > inner\n> - item")).toBe("> *Note:* a\n> inner\n> - item");
  });

  test("Windows line endings and whitespace-only input", () => {
    expect(wa("**a**\r\n\r\n- b\r\n- c")).toBe("*a*\n\n- b\n- c");
    expect(wa(" \n\t ")).toBe("");
  });
});

describe("property: rendering any input", () => {
  const inputs = corpus(77, 2000);
  const rand = prng(9);
  const limits = [16, 32, 64, 500, WHATSAPP_LIMIT];
  const fences = (s: string) => s.split("```").length - 1;

  test("never throws; every chunk fits, is not blank, and opens as many ``` as it closes", () => {
    for (const md of inputs) {
      const out = wa(md);
      if (fences(out) % 2 !== 0)
        throw new Error(`odd fences\nin: ${JSON.stringify(md)}\nout: ${JSON.stringify(out)}`);
      const limit = limits[Math.floor(rand() * limits.length)] ?? 16;
      for (const chunk of renderChunks(md, wa, limit)) {
        expect(chunk.length).toBeLessThanOrEqual(limit);
        expect(chunk.trim()).not.toBe("");
        if (fences(chunk) % 2 !== 0)
          throw new Error(`odd fences (limit ${limit}) in ${JSON.stringify(chunk)}`);
      }
    }
  });
});
