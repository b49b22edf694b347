/**
 * The channel table: one profile per channel the suite knows, and discovery of the channels that
 * exist (scripts/bundle.ts `channels()` / `rolesOf()`) with their built bundles, so a channel is picked
 * up as soon as it lands and one the suite cannot cover is reported, never silently skipped.
 */
import { access } from "node:fs/promises";
import { channels, rolesOf } from "../../../scripts/bundle.ts";
import { discordProfile } from "./discord.ts";
import type { ChannelProfile } from "./profile.ts";
import { slackProfile } from "./slack.ts";
import { telegramProfile } from "./telegram.ts";
import { whatsappProfile } from "./whatsapp.ts";

/** Profiles by channel name; each call makes a fresh profile (its own keys and state). */
export const PROFILES: Readonly<Record<string, () => Promise<ChannelProfile>>> = {
  telegram: telegramProfile,
  slack: slackProfile,
  discord: discordProfile,
  whatsapp: whatsappProfile,
};

/** A channel found in the tree, and whether the suite can run it. */
export interface ChannelTarget {
  readonly channel: string;
  readonly makeProfile: (() => Promise<ChannelProfile>) | undefined;
  /** Why the channel is not covered (or only partly), when it is not. */
  readonly skipped: string | undefined;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Every channel with a worker; covered when it has an ingress, built bundles and a profile. */
export async function discover(): Promise<ChannelTarget[]> {
  const out: ChannelTarget[] = [];
  for (const channel of await channels()) {
    const roles = await rolesOf(channel);
    const built = await Promise.all(roles.map((role) => exists(`modules/${channel}/dist/${role}.mjs`)));
    const makeProfile = PROFILES[channel];
    let skipped: string | undefined;
    if (!roles.includes("ingress")) {
      skipped = "no ingress route (fed by the always-on relay; the personal account is run on its own below)";
    } else if (built.includes(false)) skipped = "bundles not built (bun run build)";
    else if (!makeProfile) skipped = "no profile in test/reliability/channels (routes and signing unknown)";
    out.push({ channel, makeProfile: skipped ? undefined : makeProfile, skipped });
  }
  return out;
}
