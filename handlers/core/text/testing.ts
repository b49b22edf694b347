// Deterministic Markdown-ish input for the property tests of the text functions (tests only).

/** A seeded PRNG (mulberry32): the same seed gives the same sequence, returns [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "hello",
  "world",
  "snake_case_name",
  "a*b",
  "2*3",
  "😀",
  "👨‍👩‍👧",
  "🇺🇸",
  "e\u0301",
  "日本語",
  "Привет",
  "&",
  "<",
  ">",
  '"',
  "&amp;",
  "<b>",
  "</i>",
  "\\",
  "\\*",
  "http://ex.com/a_b_(c)",
  "https://x.y/z?q=1&r=2.",
  "javascript:alert(1)",
  "x".repeat(70),
];
const MARKS = [
  "**",
  "*",
  "_",
  "__",
  "~~",
  "~",
  "`",
  "``",
  "[",
  "]",
  "(",
  ")",
  "](",
  "![",
  "<",
  ">",
  "|",
  "\\",
  "***",
  "<https://a.b/c>",
  "<me@x.org>",
];
const LINE_STARTS = [
  "# ",
  "### ",
  "> ",
  "> > ",
  "- ",
  "  - ",
  "    * ",
  "1. ",
  "10) ",
  "   ",
  "---",
  "```",
  "```python",
  "````",
  "~~~ts meta",
  "| a | b |\n|---|:-:|\n| ",
];
const SPACES = [" ", " ", " ", "  ", "\t", "\n", "\n", "\n\n", "\r\n", "\n\n\n", " \n"];

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

/** Random Markdown-like text of about `tokens` pieces: words, markers, line starts and whitespace. */
export function randomMarkdown(rand: () => number, tokens: number): string {
  let out = "";
  for (let k = 0; k < tokens; k++) {
    const r = rand();
    if (r < 0.45) out += pick(rand, WORDS);
    else if (r < 0.65) out += pick(rand, MARKS);
    else if (r < 0.95) out += pick(rand, SPACES);
    else out += `\n${pick(rand, LINE_STARTS)}`;
  }
  return out;
}

/** A realistic agent answer: headings, lists, a table, code with a language, links, quotes. */
export const SAMPLE_ANSWER = `## Deploying the relay

Here is what you need to do — it takes about **5 minutes** & costs ~nothing:

1. Create the bot with [@BotFather](https://t.me/BotFather) and copy the token.
2. Store it in *Secrets Manager* (see \`handlers/telegram/secret.ts\`):
   - \`bot_token\`: the token
   - \`webhook_secret\`: 1–256 of \`A-Za-z0-9_-\`
3. Run \`terraform apply\`.

> **Note:** the webhook URL must be HTTPS; ports 443, 80, 88 or 8443.

\`\`\`bash
export TF_VAR_region=eu-west-1
terraform init && terraform apply -auto-approve
if [ "$?" -ne 0 ]; then echo "failed: <check logs>" >&2; fi
\`\`\`

| Setting | Default | Notes |
|---|:-:|--:|
| timeout | 30 s | API Gateway max |
| memory | 512 MB | more = faster |

Questions? See https://docs.aws.amazon.com/bedrock-agentcore/ or mail <ops@example.com>.
Emoji check: 👍🏽 🇩🇪 日本語のテキスト, snake_case_name stays, a < b && c > d.
`;

/** Mutates text by deleting, duplicating and inserting slices (whole code points, so no lone surrogates). */
export function mutate(rand: () => number, text: string, edits: number): string {
  let chars = Array.from(text);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rand() * (chars.length + 1));
    const len = Math.floor(rand() * 12);
    const r = rand();
    if (r < 0.35) chars.splice(at, len);
    else if (r < 0.7) chars.splice(at, 0, ...chars.slice(at, at + len));
    else chars.splice(at, 0, ...Array.from(randomMarkdown(rand, 1 + Math.floor(rand() * 3))));
    if (chars.length > 50_000) chars = chars.slice(0, 50_000);
  }
  return chars.join("");
}

/** A deterministic corpus: random token soups and mutated sample answers, `count` in all. */
export function corpus(seed: number, count: number): string[] {
  const rand = prng(seed);
  const out: string[] = ["", " ", "\n\n", "\r\n\r\n  \t", SAMPLE_ANSWER];
  while (out.length < count) {
    const r = rand();
    if (r < 0.5) out.push(randomMarkdown(rand, Math.floor(rand() * (rand() < 0.1 ? 3000 : 300))));
    else out.push(mutate(rand, SAMPLE_ANSWER.repeat(1 + Math.floor(rand() * 3)), Math.floor(rand() * 40)));
  }
  return out;
}
