/**
 * The emulator's side panel: for each message, when it was sent, acknowledged by the ingress,
 * queued, taken by the worker, when the agent's first text came and the first of it showed, when the
 * agent was done and the reply complete — built from the handlers' own
 * structured logs, so it shows what production logs would show.
 */
import type { RuntimeMessage } from "./runtime.ts";

export interface TimelineStep {
  readonly name: string;
  readonly at: number;
  /** Extra detail: HTTP status, attempt, agent time … */
  readonly detail?: string;
}

export interface TimelineEntry {
  readonly envelopeId: string;
  readonly channel: string;
  text?: string;
  status: "pending" | "done" | "failed" | "refused";
  readonly steps: TimelineStep[];
  /** The envelope as the worker received it from SQS. */
  envelope?: unknown;
}

const LOG_STEPS: Record<string, { step: string; status?: TimelineEntry["status"] }> = {
  "message.queued": { step: "queued" },
  "agent.first_text": { step: "agent's first text" },
  "reply.first_visible": { step: "first visible text" },
  "agent.answered": { step: "agent answered" },
  "message.done": { step: "replied", status: "done" },
  "message.failed": { step: "failed" },
  "message.undeliverable": { step: "undeliverable", status: "failed" },
  "user.refused": { step: "refused (allowlist)", status: "refused" },
  "session.reset": { step: "session reset" },
};

export class Timeline {
  readonly #entries = new Map<string, TimelineEntry>();
  readonly #listeners = new Set<(entry: TimelineEntry) => void>();

  /** Every entry, oldest first. */
  entries(): TimelineEntry[] {
    return [...this.#entries.values()];
  }

  get(envelopeId: string): TimelineEntry | undefined {
    return this.#entries.get(envelopeId);
  }

  onChange(listener: (entry: TimelineEntry) => void): void {
    this.#listeners.add(listener);
  }

  /** A message was sent from the page (or arrived by long polling). */
  start(envelopeId: string, channel: string, text: string, at = Date.now()): void {
    this.#step(envelopeId, channel, { name: "sent", at }, (entry) => {
      entry.text = text;
    });
  }

  /** The ingress route got the request. */
  received(channel: string, envelopeId: string | null): void {
    if (envelopeId) this.#step(envelopeId, channel, { name: "received", at: Date.now() });
  }

  /** The ingress answered the platform. */
  answered(envelopeId: string, status: number): void {
    const entry = this.#entries.get(envelopeId);
    if (!entry) return;
    this.#step(
      envelopeId,
      entry.channel,
      { name: "acknowledged", at: Date.now(), detail: `HTTP ${status}` },
      (e) => {
        if (status >= 400) e.status = "failed";
      },
    );
  }

  /** A channel thread's log line or dequeued envelope. */
  record(message: RuntimeMessage): void {
    if (message.type === "dequeued") {
      let envelope: { channel?: string; eventId?: string } = {};
      try {
        envelope = JSON.parse(message.body);
      } catch {
        return;
      }
      const id = `${envelope.channel}:${envelope.eventId}`;
      this.#step(
        id,
        message.channel,
        { name: "taken by worker", at: message.at, detail: `attempt ${message.attempt}` },
        (e) => {
          e.envelope = envelope;
        },
      );
      return;
    }
    if (message.type !== "log") return;
    const { event, envelopeId, time, agentMs, totalMs, afterFirstTextMs } = message.entry as Record<
      string,
      unknown
    >;
    const known = LOG_STEPS[String(event)];
    if (!known || typeof envelopeId !== "string") return;
    const detail =
      afterFirstTextMs !== undefined
        ? `${afterFirstTextMs} ms after the agent's first text`
        : agentMs !== undefined
          ? `${agentMs} ms`
          : totalMs !== undefined
            ? `${totalMs} ms in all`
            : undefined;
    this.#step(
      envelopeId,
      message.channel,
      { name: known.step, at: Number(time) || Date.now(), ...(detail ? { detail } : {}) },
      (e) => {
        // "replied" closes a message that was not refused or failed first (a refusal is also a reply).
        if (known.status && (known.status !== "done" || e.status === "pending")) e.status = known.status;
      },
    );
  }

  /** Resolves once the entry reaches a final status (for tests). */
  async settled(envelopeId: string, timeoutMs = 10_000): Promise<TimelineEntry> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const entry = this.#entries.get(envelopeId);
      if (entry && entry.status !== "pending") return entry;
      if (Date.now() > deadline) throw new Error(`${envelopeId} did not settle: ${JSON.stringify(entry)}`);
      await Bun.sleep(20);
    }
  }

  #step(
    envelopeId: string,
    channel: string,
    step: TimelineStep,
    update?: (entry: TimelineEntry) => void,
  ): void {
    let entry = this.#entries.get(envelopeId);
    if (!entry) {
      entry = { envelopeId, channel, status: "pending", steps: [] };
      this.#entries.set(envelopeId, entry);
      if (this.#entries.size > 200) this.#entries.delete(this.#entries.keys().next().value as string);
    }
    entry.steps.push(step);
    entry.steps.sort((a, b) => a.at - b.at);
    update?.(entry);
    for (const listener of this.#listeners) listener(entry);
  }
}
