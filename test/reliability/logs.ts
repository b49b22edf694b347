/**
 * Every log line the handlers write during the suite, captured (in-process console calls and the
 * output of child Lambda processes) and scanned for secret values.
 */
import { format } from "node:util";

/** Where a line came from: `ingress:telegram`, `worker:slack`, … */
export interface LogLine {
  readonly source: string;
  readonly text: string;
}

/** A secret value found in a line (the value itself is never kept in the finding). */
export interface SecretHit {
  readonly secret: string;
  readonly source: string;
  /** The line with the secret masked. */
  readonly line: string;
}

const METHODS = ["log", "info", "debug", "warn", "error", "trace"] as const;

/** Collects log lines; `install` diverts the console of this process into it. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  /** Secret values only known at run time (interaction tokens handed out by a fake). */
  readonly runtimeHidden = new Set<string>();

  /** Adds run-time secret values to scan for. */
  hide(values: Iterable<string>): void {
    for (const value of values) this.runtimeHidden.add(value);
  }

  /** Diverts console output to the capture under `source` until the returned function is called. */
  install(source: () => string): () => void {
    const saved = METHODS.map((name) => [name, console[name]] as const);
    for (const name of METHODS) {
      console[name] = (...args: unknown[]) => this.add(source(), format(...args));
    }
    return () => {
      for (const [name, original] of saved) console[name] = original;
    };
  }

  /** Adds output (several lines at once is fine). */
  add(source: string, text: string): void {
    for (const line of text.split("\n")) if (line.trim() !== "") this.lines.push({ source, text: line });
  }

  /** Lines that are not one JSON object (the handlers log structured JSON only). */
  unstructured(): LogLine[] {
    return this.lines.filter((line) => {
      try {
        const value = JSON.parse(line.text);
        return typeof value !== "object" || value === null || Array.isArray(value);
      } catch {
        return true;
      }
    });
  }

  /**
   * Lines containing any of `secrets` (label → value) or of the run-time hidden values; values shorter
   * than 8 characters are ignored. Run-time values (thousands of interaction tokens) are looked up by
   * their first 12 characters, so the scan stays linear in the log.
   */
  scan(secrets: ReadonlyMap<string, string>): SecretHit[] {
    const hits: SecretHit[] = [];
    const wanted = [...secrets].filter(([, value]) => value.length >= 8);
    const byPrefix = new Map<string, string[]>();
    for (const value of this.runtimeHidden) {
      if (value.length < 12) continue;
      const prefix = value.slice(0, 12);
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), value]);
    }
    const mask = (text: string, value: string) => text.split(value).join("«secret»").slice(0, 300);
    for (const line of this.lines) {
      for (const [label, value] of wanted) {
        if (line.text.includes(value))
          hits.push({ secret: label, source: line.source, line: mask(line.text, value) });
      }
      for (const [prefix, values] of byPrefix) {
        if (!line.text.includes(prefix)) continue;
        for (const value of values) {
          if (line.text.includes(value)) {
            hits.push({ secret: "run-time token", source: line.source, line: mask(line.text, value) });
          }
        }
      }
    }
    return hits;
  }
}
