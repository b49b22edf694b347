/**
 * The always-on relay (Bun): Discord gateway chat and WhatsApp personal → the channels' SQS queues,
 * and WhatsApp replies from the outbound queue → WhatsApp. Configuration: relay/README.md.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { useCredentials } from "../handlers/core/aws/call.ts";
import { log } from "../handlers/core/log.ts";
import { readRelayConfig } from "./config.ts";
import { startRelay } from "./start.ts";

// The relay's lean AWS calls (its SQS enqueue, relay/enqueue.ts) sign with the SDK's default credential
// chain, as an SDK client resolves it (memoized, refreshed before expiry): the ECS task role on AWS. The
// client itself sends nothing.
const { credentials } = new SQSClient({}).config;
useCredentials(() => credentials());

process.on("unhandledRejection", (err) => log.error("relay.unhandled", { err }));

let relay: Awaited<ReturnType<typeof startRelay>>;
try {
  const config = readRelayConfig();
  relay = await startRelay(config);
  log.info("relay.started", {
    port: relay.port,
    discord: config.discord !== undefined,
    whatsapp: config.whatsapp !== undefined,
  });
} catch (err) {
  log.error("relay.start_failed", { err });
  process.exit(1);
}

let exiting = false;
// Another relay took the state lease (or it could not be renewed): stop writing, and let ECS start a task
// that waits for the lease again.
relay.leaseLost.then(() => {
  if (exiting) return;
  exiting = true;
  relay.stop().finally(() => process.exit(1));
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (exiting) return;
    exiting = true;
    log.info("relay.signal", { signal });
    relay.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("relay.stop_failed", { err });
        process.exit(1);
      },
    );
  });
}
