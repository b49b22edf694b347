import { discordDev } from "./discord.ts";
import { slackDev } from "./slack.ts";
import { telegramDev } from "./telegram.ts";
import type { DevChannel } from "./types.ts";
import { whatsappDev } from "./whatsapp.ts";

/** Every channel the emulator knows, in tab order. */
export const DEV_CHANNELS: readonly DevChannel[] = [telegramDev, slackDev, discordDev, whatsappDev];
