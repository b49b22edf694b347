// Answers as agents write them, for the streaming property tests (tests only): every prefix of each is
// a state a stream passes through.

const intro = `## Deploying the relay

Here is what **\`terraform apply\`** does, step by step, and what you *must* check before you run it:

1. The **ingress** Lambda receives the webhook and puts it on the queue.
2. The **worker** asks the agent, and answers through the platform's API.
3. Nothing is acknowledged before SQS has it (see [the architecture](https://example.com/docs/architecture)).

> **Note:** the queue's visibility timeout must be at least 6 × the worker's timeout.
`;

const code = `Sure — here is a minimal agent in Python:

\`\`\`python
from bedrock_agentcore.runtime import BedrockAgentCoreApp

app = BedrockAgentCoreApp()

@app.entrypoint
async def invoke(payload, context):
    for word in payload["prompt"].split():
        yield word + " "  # stream it back

if __name__ == "__main__":
    app.run()
\`\`\`

Run it with \`python agent.py\`, then point \`AGENT_URL\` at **port 8080**. The \`_private\` and snake_case_names stay as written.`;

const table = `Prices per million requests, by region:

| region | Lambda | SQS FIFO |
| --- | ---: | ---: |
| us-east-1 | $0.20 | $0.50 |
| eu-west-1 | $0.20 | $0.50 |
| ap-southeast-2 | $0.20 | $0.50 |

So the bill is ~~high~~ **low**: about $0.70 per million messages, plus the agent.`;

const mixed = `I checked three things:

- the \`LEDGER_TABLE\` variable is set ✅
- the DLQ is empty — *good*
- the alarm fires on **any** message in the DLQ, see <https://docs.aws.amazon.com/sqs>

Nested:
- outer item
  - inner item with \`code\` and a [link](https://example.com/a_(b))
  - another one: 2 * 3 = 6, and a_b_c stays

---

Done. Ask me anything else 🙂`;

const paragraphs = Array.from(
  { length: 18 },
  (_, i) =>
    `Paragraph ${i + 1}. The worker reads the agent's answer as it arrives and shows it growing: **bold ${i}**, *emphasis*, \`code ${i}\` and a [link ${i}](https://example.com/${i}). ${"Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(3)}`,
).join("\n\n");

const longCode = `A long listing:

\`\`\`ts
${Array.from({ length: 120 }, (_, i) => `const value${i} = compute(${i}, "a string with <tags> & entities");`).join("\n")}
\`\`\`

And the explanation after it, with **bold** text.`;

/** Short answers (every prefix is checked) and long ones (past the platforms' limits). */
export const SHORT_ANSWERS: readonly string[] = [intro, code, table, mixed];
export const LONG_ANSWERS: readonly string[] = [paragraphs, longCode, `${intro}\n\n${paragraphs}\n\n${code}`];
