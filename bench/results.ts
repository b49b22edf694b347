/**
 * What one benchmark run measured: the report (report.ts), the cost section (cost-report.ts) and the
 * findings (findings.ts) all read it.
 */
import type { ColdReport } from "./cold.ts";
import type { DiscordStreamingResult } from "./discord-streaming.ts";
import type { Summary } from "./lib/stats.ts";
import type { PipelineResult } from "./pipeline.ts";
import type { MemoryResult } from "./relay-memory.ts";
import type { SizeRow } from "./sizes.ts";
import type { SlackStreamingResult } from "./slack-streaming.ts";
import type { StreamingResult } from "./streaming.ts";
import type { WarmResult } from "./warm.ts";
import type { WorkerSizeReport } from "./worker-size.ts";

/** Everything one run measured. */
export interface RunResults {
  readonly machine: string;
  readonly date: string;
  readonly command: string;
  readonly seconds: number;
  readonly cold: ColdReport;
  readonly sizes: SizeRow[];
  readonly warm: WarmResult[];
  readonly pipeline: PipelineResult[];
  readonly workerSizes: WorkerSizeReport;
  readonly relay: MemoryResult[];
  /** Streamed answers on Telegram (absent in results of runs before it existed). */
  readonly streaming?: StreamingResult;
  /** Streamed answers on Slack (absent in results of runs before it existed). */
  readonly slackStreaming?: SlackStreamingResult;
  /** Streamed answers on Discord (absent in results of runs before it existed). */
  readonly discordStreaming?: DiscordStreamingResult;
  readonly bareRuntimes: { bun: Summary; node: Summary; bunWithSqs: Summary };
  readonly notes: string[];
  readonly settings: Record<string, number | string>;
}
