/**
 * The monthly cost model: list prices × what one message makes each service do, with the durations
 * and sizes measured in this run. Every price and every assumption is a named constant below, so a
 * reader can check each line and redo the sum for their own region, traffic and agent.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { moduleConfigOf } from "../scripts/synth.ts";
import { root } from "./lib/build.ts";

/** us-east-1 list prices as known in November 2026 — check before relying on them. */
export const PRICES = {
  /** Lambda arm64 duration, per GB-second (first tier). */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda requests, per million. */
  lambdaRequestsPerMillion: 0.2,
  /** API Gateway HTTP API requests, per million (first 300 million). */
  httpApiPerMillion: 1.0,
  /** SQS FIFO requests, per million (each 64 KB chunk is one request; empty receives count). */
  sqsFifoPerMillion: 0.5,
  /** Secrets Manager, per secret per month. */
  secretPerMonth: 0.4,
  /** Secrets Manager API calls, per 10,000. */
  secretsCallsPer10k: 0.05,
  /** DynamoDB on-demand write / read request units, per million. */
  dynamoWruPerMillion: 0.625,
  dynamoRruPerMillion: 0.125,
  /** CloudWatch Logs ingestion, per GB. */
  logsIngestPerGb: 0.5,
  /** CloudWatch standard alarm, per month. */
  alarmPerMonth: 0.1,
  /** Fargate Linux/ARM, per vCPU-hour and per GB-hour. */
  fargateArmVcpuHour: 0.03238,
  fargateArmGbHour: 0.00356,
  /** Fargate Spot: the discount AWS advertises ("up to 70%"); the real Spot price varies. */
  fargateSpotDiscount: 0.7,
  /** A public IPv4 address, per hour (in use or idle). */
  publicIpv4Hour: 0.005,
  /** ECR storage, per GB-month. */
  ecrGbMonth: 0.1,
} as const;

/** Where the prices come from, printed with every table. */
export const PRICES_NOTE =
  "us-east-1 list prices as known in November 2026, check before relying on them; before free tiers";

/** What the model assumes where this machine cannot measure. */
export const ASSUMPTIONS = {
  /** The agent's answer time, which the worker waits out (and is billed for). Yours decides the bill. */
  agentSeconds: 5,
  /** One in-region AWS API call (SQS, Secrets Manager, DynamoDB) from Lambda, ms. */
  awsCallMs: 10,
  /** One call to the chat platform's API from us-east-1, ms. */
  platformCallMs: 80,
  /** Platform API calls per message: typing indicator and the reply. */
  platformCallsPerMessage: 2,
  /**
   * The relay's table (LEDGER_TABLE) per message of one part, as the Telegram worker bundle makes them
   * (counted by test/ledger.e2e.test.ts): 2 GetItem (the envelope's ledger entry, the conversation's
   * session) and 3 UpdateItem (the contact: who last wrote; the answer with its first part in flight;
   * complete, which records the last part's delivery). Before issue 21 the answer, the part in flight,
   * its delivery and the completion were four writes. Capacity units: a ledger write costs the larger
   * item it sees, ~2 KB while the answer is kept (2 WRU each), the contact's 1 WRU; a strongly
   * consistent read of a small item 1 RRU.
   */
  ledgerCallsPerMessage: 5,
  ledgerWru: 5,
  ledgerRru: 2,
  /** WhatsApp's ingress records each confirming status (sent, delivered, read) of a part: 1 WRU each. */
  ledgerWruPerCallback: { whatsapp: 1 } as Record<string, number>,
  /** Lambda's SQS event source polls an idle queue with this many long polls of 20 s at a time. */
  idlePollers: 5,
  longPollSeconds: 20,
  /** Share of messages that meet a cold container, per volume (rare traffic: every one). */
  coldShare: (messagesPerMonth: number) => (messagesPerMonth <= 10_000 ? 1 : 0.01),
  /** Bytes of START/END/REPORT lines Lambda logs per invocation. */
  lambdaLogBytesPerInvocation: 350,
  /**
   * Extra webhook deliveries per message that the ingress answers without queueing: WhatsApp POSTs
   * sent/delivered/read statuses of each reply; Slack echoes the bot's own message to the app.
   */
  callbacksPerMessage: { whatsapp: 3, slack: 1 } as Record<string, number>,
  /** Relay image size in ECR, GB. */
  relayImageGb: 0.15,
  hoursPerMonth: 730,
} as const;

/** What the run measured for one channel (ms, bytes). */
export interface ChannelFigures {
  /** Warm ingress request with SQS on loopback, p50. */
  ingressWarmMs: number;
  /** Ingress init (import) and first request, medians. */
  ingressImportMs: number;
  ingressFirstMs: number;
  /** Worker handler per message with an instant agent, p50. */
  workerMs: number;
  /**
   * By worker memory size (MB), measured with that size's CPU share (worker-size.ts): the handler's
   * own time per message (its duration less the agent's wait) and its import. Where a size is
   * missing, `workerMs` and the ingress's import stand in.
   */
  workerBySize?: Record<number, { ownMs: number; importMs: number }>;
  /** Log bytes both handlers write per message. */
  logBytes: number;
}

/** A deployable thing and what it costs: fixed per month, and per message. */
interface Part {
  readonly name: string;
  readonly fixed: Record<string, number>;
  perMessage(coldShare: number): Record<string, number>;
  /** Whether messages enter here (they are split evenly between entry points). */
  readonly entry: boolean;
}

/** A module's configuration as Terraform JSON (what its generated *.tf hold), from its CDKTF source. */
const moduleConfig = (module: string) =>
  moduleConfigOf(module) as {
    variable?: Record<string, { default?: unknown }>;
    resource?: Record<string, unknown>;
  };
const moduleVariables = (module: string): Record<string, { default?: unknown }> =>
  moduleConfig(module).variable ?? {};
const numberDefault = (module: string, name: string, fallback: number) => {
  const value = moduleVariables(module)[name]?.default;
  return typeof value === "number" ? value : fallback;
};
/** Whether the module's generated Terraform creates a DynamoDB table (the send ledger). */
const hasLedger = (module: string) => moduleConfig(module).resource?.aws_dynamodb_table !== undefined;

const idleReceivesPerMonth = (pollers: number) =>
  pollers * (3600 / ASSUMPTIONS.longPollSeconds) * ASSUMPTIONS.hoursPerMonth;

/** A serverless channel module: API + ingress (unless the relay feeds it) + queue + worker + secret. */
function channelPart(
  module: string,
  figures: ChannelFigures,
  viaRelay = false,
  workerMemoryMb = numberDefault(module, "worker_memory_mb", 512),
): Part {
  const ingressGb = numberDefault(module, "ingress_memory_mb", 256) / 1024;
  const workerGb = workerMemoryMb / 1024;
  const atSize = figures.workerBySize?.[workerMemoryMb];
  const ledger = hasLedger(module);
  const callbacks = viaRelay ? 0 : (ASSUMPTIONS.callbacksPerMessage[module] ?? 0);
  const ingressCalls = viaRelay ? 0 : 1 + callbacks;
  const a = ASSUMPTIONS;
  return {
    name: viaRelay ? `${module} (chat via the relay)` : module,
    entry: true,
    fixed: viaRelay
      ? {}
      : {
          "Secrets Manager": PRICES.secretPerMonth,
          "SQS idle polling": (idleReceivesPerMonth(a.idlePollers) / 1e6) * PRICES.sqsFifoPerMillion,
          "CloudWatch alarm": PRICES.alarmPerMonth,
        },
    perMessage(coldShare) {
      const ingressMs =
        figures.ingressWarmMs +
        a.awsCallMs +
        coldShare * (figures.ingressImportMs + figures.ingressFirstMs + a.awsCallMs);
      // The worker's own time and import at its size, measured with that size's CPU share; where the
      // size was not measured, the full-CPU figure and the ingress's import stand in.
      const workerMs =
        a.agentSeconds * 1000 +
        (atSize?.ownMs ?? figures.workerMs) +
        a.platformCallsPerMessage * a.platformCallMs +
        (ledger ? a.ledgerCallsPerMessage * a.awsCallMs : 0) +
        coldShare * ((atSize?.importMs ?? figures.ingressImportMs) + a.awsCallMs);
      const invocations = ingressCalls + 1;
      return {
        "API Gateway": (ingressCalls / 1e6) * PRICES.httpApiPerMillion,
        "Lambda requests": (invocations / 1e6) * PRICES.lambdaRequestsPerMillion,
        "Lambda ingress GB-s": ingressCalls * ingressGb * (ingressMs / 1000) * PRICES.lambdaArmGbSecond,
        "Lambda worker GB-s": workerGb * (workerMs / 1000) * PRICES.lambdaArmGbSecond,
        "SQS requests": (3 / 1e6) * PRICES.sqsFifoPerMillion,
        "Secrets Manager calls": ((coldShare * (viaRelay ? 1 : 2)) / 1e4) * PRICES.secretsCallsPer10k,
        DynamoDB: ledger
          ? ((a.ledgerWru + callbacks * (a.ledgerWruPerCallback[module] ?? 0)) / 1e6) *
              PRICES.dynamoWruPerMillion +
            (a.ledgerRru / 1e6) * PRICES.dynamoRruPerMillion
          : 0,
        "CloudWatch Logs":
          ((figures.logBytes + invocations * a.lambdaLogBytesPerInvocation) / 1e9) * PRICES.logsIngestPerGb,
      };
    },
  };
}

/** The relay module: one Fargate task (size from the module's defaults), its public IPv4, its image. */
function relayPart(spot: boolean): Part {
  const vcpu = numberDefault("relay", "cpu", 256) / 1024;
  const gb = numberDefault("relay", "memory_mb", 512) / 1024;
  const h = ASSUMPTIONS.hoursPerMonth;
  const discount = spot ? 1 - PRICES.fargateSpotDiscount : 1;
  return {
    name: spot ? "relay (Fargate Spot)" : "relay (Fargate)",
    entry: false,
    fixed: {
      Fargate: (vcpu * PRICES.fargateArmVcpuHour + gb * PRICES.fargateArmGbHour) * h * discount,
      "public IPv4": PRICES.publicIpv4Hour * h,
      ECR: ASSUMPTIONS.relayImageGb * PRICES.ecrGbMonth,
    },
    perMessage: () => ({}),
  };
}

/** An example as the cost model sees it. */
export interface ExampleModel {
  readonly name: string;
  /** The modules it calls, from its main.tf (or from the issue when the example is not there yet). */
  readonly modules: string[];
  readonly source: string;
}

/** What the issues say the examples hold, for one that is not in examples/ yet. */
const PLANNED: Record<string, string[]> = {
  "telegram-only": ["telegram"],
  hybrid: ["telegram", "slack", "discord", "relay"],
  "all-channels": ["telegram", "slack", "discord", "whatsapp", "whatsapp-personal", "relay"],
};

/** The examples: telegram-only, hybrid, all-channels, read from examples/<name>/main.tf when present. */
export function examples(): ExampleModel[] {
  const dir = join(root, "examples");
  const present = existsSync(dir) ? readdirSync(dir) : [];
  return Object.keys(PLANNED).map((name) => {
    const path = join(dir, name, "main.tf");
    if (!present.includes(name) || !existsSync(path)) {
      return {
        name,
        modules: PLANNED[name] ?? [],
        source: "not in examples/ yet: as its issue describes it",
      };
    }
    const modules = [
      ...readFileSync(path, "utf8").matchAll(/source\s*=\s*"\.\.\/\.\.\/modules\/([\w-]+)"/g),
    ].map((m) => m[1] as string);
    return { name, modules: [...new Set(modules)], source: `examples/${name}/main.tf` };
  });
}

/**
 * What a million messages add to an example's monthly bill (its cost at 1,000,000 messages less its
 * idle cost), with the modules' defaults or every worker at `workerMemoryMb`.
 */
export function perMillionMessages(
  example: ExampleModel,
  figures: Record<string, ChannelFigures>,
  workerMemoryMb?: number,
): number {
  const at = (messages: number) => monthlyCost(example, figures, messages, { workerMemoryMb }).total;
  return at(1_000_000) - at(0);
}

/** The worker size the cost model was first made with (before issue 21), for the cost budget. */
export const BASELINE_WORKER_MEMORY_MB = 512;

/** The cost of one example at one volume, by service. */
export interface CostLine {
  readonly total: number;
  readonly byService: Record<string, number>;
}

/** The parts an example deploys; channel figures from `figures` (by module), the first one when absent. */
function partsOf(
  example: ExampleModel,
  figures: Record<string, ChannelFigures>,
  spot: boolean,
  workerMemoryMb: number | undefined,
): Part[] {
  const any = Object.values(figures)[0];
  const figuresOf = (module: string) => figures[module] ?? any;
  const parts: Part[] = [];
  const hasRelay = example.modules.includes("relay");
  for (const module of example.modules) {
    if (module === "relay") continue;
    const f = figuresOf(module === "whatsapp-personal" ? "whatsapp" : module);
    if (!f) continue;
    if (module === "whatsapp-personal") {
      // Messages arrive through the relay; the relay long-polls the outbound queue with one poller.
      const part = channelPart(module, f, true, workerMemoryMb);
      parts.push({
        ...part,
        fixed: {
          "Secrets Manager": 0,
          "SQS idle polling":
            (idleReceivesPerMonth(ASSUMPTIONS.idlePollers + 1) / 1e6) * PRICES.sqsFifoPerMillion,
          "CloudWatch alarm": PRICES.alarmPerMonth,
        },
      });
      continue;
    }
    parts.push(channelPart(module, f, false, workerMemoryMb));
    if (module === "discord" && hasRelay) parts.push(channelPart("discord", f, true, workerMemoryMb));
  }
  if (hasRelay) parts.push(relayPart(spot));
  return parts;
}

/**
 * Monthly cost of an example at a volume (messages split evenly between its entry points), with the
 * modules' default sizes, or every worker at `workerMemoryMb`.
 */
export function monthlyCost(
  example: ExampleModel,
  figures: Record<string, ChannelFigures>,
  messagesPerMonth: number,
  options: { spot?: boolean; workerMemoryMb?: number } = {},
): CostLine {
  const parts = partsOf(example, figures, options.spot ?? false, options.workerMemoryMb);
  const entries = parts.filter((p) => p.entry).length || 1;
  const byService: Record<string, number> = {};
  const add = (service: string, dollars: number) => {
    byService[service] = (byService[service] ?? 0) + dollars;
  };
  for (const part of parts) {
    for (const [service, dollars] of Object.entries(part.fixed)) add(service, dollars);
    if (!part.entry || messagesPerMonth === 0) continue;
    const share = messagesPerMonth / entries;
    for (const [service, dollars] of Object.entries(
      part.perMessage(ASSUMPTIONS.coldShare(messagesPerMonth)),
    )) {
      add(service, dollars * share);
    }
  }
  return { total: Object.values(byService).reduce((a, b) => a + b, 0), byService };
}
