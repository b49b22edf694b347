/**
 * `bun run dev`: the whole relay on this machine, no AWS account and no bot needed.
 *
 *   PORT=8787                 first port to try (the next free one is taken when busy)
 *   AGENT_URL=http://…:8080   a local agent serving the AgentCore contract (POST /invocations, GET /ping)
 *   AGENT_RUNTIME_ARN=arn:…   your real AgentCore runtime, with your AWS credentials and region
 *   ECHO_DELAY_MS=200         without either: the built-in echo agent's pause between streamed words
 *   TELEGRAM_BOT_TOKEN=…      a real Telegram bot by long polling (its webhook is deleted first)
 *   ACCESS_POLICY=…           pairing, allowlist or open (default: pairing on the emulator, allowlist on a real bot)
 *   ADMINS=…                  the admins (default: the emulator's own user on each channel; nobody on a real bot)
 *   ALLOWED_USERS=…           who else may talk to the agent (default: nobody; strangers get a pairing code)
 *   DEV_TOKEN=…               the token `/_dev/*` wants in x-dev-token (default: a new random one per run)
 *
 * Everything listens on 127.0.0.1 only, and the dev server refuses other Host names and other origins.
 */
import { DEV_CHANNELS } from "./channels/index.ts";
import { TOKEN_HEADER } from "./guard.ts";
import { devNotes, startDevStack } from "./stack.ts";

const stack = await startDevStack({ channels: DEV_CHANNELS, port: Number(process.env.PORT || 8787) });

console.log(`
agentcore-relay dev stack
  emulator   ${stack.url}/          (chat as a user on ${DEV_CHANNELS.map((c) => c.title).join(", ")})
  agent      ${stack.agent}
${devNotes(process.env)
  .map((note) => `  note       ${note}\n`)
  .join("")}  ingress    ${stack.url}/telegram …  (the real handlers, behind a local API Gateway)
${process.env.TELEGRAM_BOT_TOKEN ? `  telegram   long polling your real bot: message it from your phone${process.env.ALLOWED_USERS ? "" : "\n             it answers nobody until you set ALLOWED_USERS=<your Telegram id> (refused ids are printed)"}\n` : ""}
Try it from a terminal:
  curl -s -X POST ${stack.url}/_dev/send -H '${TOKEN_HEADER}: ${stack.token}' \\
    -H 'content-type: application/json' -d '{"channel":"telegram","text":"hello"}'
  As a stranger (a pairing code for them, an access request for you, the admin: answer /allow <code>;
  in the page, the "send as" control next to the message box does the same):
  curl -s -X POST ${stack.url}/_dev/send -H '${TOKEN_HEADER}: ${stack.token}' \\
    -H 'content-type: application/json' -d '{"channel":"telegram","text":"hi","user":"2002"}'
Ctrl-C to stop.`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    await stack.close();
    process.exit(0);
  });
}
