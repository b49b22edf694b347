import * as v from "valibot";

/**
 * The WhatsApp-personal channel's secret: no credentials (the WhatsApp session and its keys live in the
 * relay, never in Lambda). The module's optional secret holds only the session ids' key, `session_key`,
 * which every channel's secret may hold (core/agent/session-id.ts).
 */
export const WhatsAppPersonalSecretSchema = v.object({});

export type WhatsAppPersonalSecret = Record<string, never>;
