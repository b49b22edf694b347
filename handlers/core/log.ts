/**
 * Structured logs: one JSON line per event on stdout (CloudWatch keeps one line per record).
 * Never pass secrets or message text above debug level.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const level = (process.env.LOG_LEVEL ?? "info").toLowerCase();
  return rank[level as LogLevel] ?? rank.info;
}

function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) };
  const fields: LogFields = { error: error.message, errorName: error.name };
  for (const key of ["code", "status", "platform", "method", "reason", "retryable"] as const) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value !== undefined) fields[key] = value;
  }
  return fields;
}

function write(level: LogLevel, event: string, fields: LogFields | undefined): void {
  if (rank[level] < threshold()) return;
  const { err, ...rest } = fields ?? {};
  const line = { level, event, ...rest, ...(err === undefined ? {} : errorFields(err)), time: Date.now() };
  (level === "error" || level === "warn" ? console.error : console.log)(JSON.stringify(line));
}

/**
 * The logger. Pass an error as `err` to log its name, message and typed fields (never its stack
 * at info level).
 * @example log.info("enqueued", { envelopeId, channel: "telegram" })
 */
export const log = {
  debug: (event: string, fields?: LogFields) => write("debug", event, fields),
  info: (event: string, fields?: LogFields) => write("info", event, fields),
  warn: (event: string, fields?: LogFields) => write("warn", event, fields),
  error: (event: string, fields?: LogFields) => write("error", event, fields),
};
