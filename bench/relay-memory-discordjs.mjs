// A discord.js Client doing the relay's gateway job (same intents, a MESSAGE_CREATE listener), for
// bench/relay-memory-idle.ts. discord.js comes from bench/node_modules, never the product's dependencies.
import { Client, Events, GatewayIntentBits } from "discord.js";

const client = new Client({
  intents: [
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.DirectMessages,
    GatewayIntentBits.MessageContent,
  ],
  rest: { api: (process.env.DISCORD_API_URL ?? "https://discord.com/api/v10").replace(/\/v\d+$/, "") },
});
client.on(Events.MessageCreate, () => {});
await client.login(process.env.DISCORD_BOT_TOKEN);
