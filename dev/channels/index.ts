import { discordDev } from "./discord.ts";
import { telegramDev } from "./telegram.ts";
import type { DevChannel } from "./types.ts";

/** Every channel the emulator knows, in tab order. */
export const DEV_CHANNELS: readonly DevChannel[] = [telegramDev, discordDev];
