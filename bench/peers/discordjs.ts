/**
 * The discord.js peer of the relay's Discord side: a Client on the gateway that puts every direct
 * message (and every guild message that mentions the bot) on SQS FIFO — the relay's job, done the way
 * a discord.js bot does it. Configured from environment variables: DISCORD_BOT_TOKEN,
 * DISCORD_API_URL (the REST base without the version), QUEUE_URL.
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Client, Events, GatewayIntentBits, Partials } from "discord.js";

const sqs = new SQSClient({});

const client = new Client({
  intents: [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.DirectMessages,
    GatewayIntentBits.MessageContent,
  ],
  // Direct messages arrive in channels discord.js has not cached: without this it drops them.
  partials: [Partials.Channel],
  rest: { api: process.env.DISCORD_API_URL ?? "https://discord.com/api" },
});

client.on(Events.MessageCreate, async (message) => {
  if (message.author.bot) return;
  if (message.guildId && !message.mentions.users.has(client.user?.id ?? "")) return;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: process.env.QUEUE_URL,
      MessageBody: JSON.stringify({ id: message.id, channel: message.channelId, text: message.content }),
      MessageGroupId: message.channelId,
      MessageDeduplicationId: message.id,
    }),
  );
});

client.once(Events.ClientReady, () => console.log(JSON.stringify({ event: "ready" })));
await client.login(process.env.DISCORD_BOT_TOKEN);
