import { describe, expect, test } from "bun:test";
import { DOCS_BEGIN, DOCS_END, insertDocs, renderDocs } from "./docs.ts";
import { output, variable } from "./expr.ts";
import { moduleConfig } from "./render.ts";
import { testStack } from "./testing.ts";

function files() {
  const stack = testStack();
  variable(stack, "name", { type: "string", description: "Name | of it." });
  variable(stack, "token", { type: "string", description: "Token.", default: null, sensitive: true });
  variable(stack, "tags", { type: "map(string)", description: "Tags.", default: {} });
  output(stack, "answer", "42", "The answer.");
  return moduleConfig(stack);
}

describe("docs", () => {
  test("inputs and outputs tables from the module's own definitions", () => {
    const docs = renderDocs(files());
    expect(docs.startsWith(DOCS_BEGIN)).toBe(true);
    expect(docs.endsWith(DOCS_END)).toBe(true);
    expect(docs).toContain("| `name` | Name \\| of it. | `string` | n/a | yes |");
    expect(docs).toContain("| `token` | Token. | `string` (sensitive) | `null` | no |");
    expect(docs).toContain("| `tags` | Tags. | `map(string)` | `{}` | no |");
    expect(docs).toContain("| `answer` | The answer. |");
  });

  test("replaces only what lies between the markers", () => {
    const readme = `# Title\n\nHand-written.\n\n${DOCS_BEGIN}\nold\n${DOCS_END}\n\nFooter.\n`;
    const out = insertDocs(readme, `${DOCS_BEGIN}\nnew\n${DOCS_END}`);
    expect(out).toBe(`# Title\n\nHand-written.\n\n${DOCS_BEGIN}\nnew\n${DOCS_END}\n\nFooter.\n`);
    expect(insertDocs(out, `${DOCS_BEGIN}\nnew\n${DOCS_END}`)).toBe(out);
  });

  test("refuses a README without markers", () => {
    expect(() => insertDocs("# Title\n", "x")).toThrow("TF_DOCS");
  });
});
