/**
 * The WhatsApp session's unlinked state on its own: no pairing until the auth state is deleted, and a
 * failing look at the state is tried again rather than taken as a deletion.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { setEnv } from "../../test/harness/env.ts";
import { Connections } from "../connections.ts";
import { eventually, memoryStore } from "../testing.ts";
import { storedAuthState } from "./auth-state.ts";
import { startSession } from "./session.ts";
import { FakeWhatsApp } from "./testing.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "error" });
});
afterAll(() => restore());

test("unlinked: waits through failing checks of the auth state, pairs only once it is deleted", async () => {
  const store = memoryStore();
  const whatsapp = new FakeWhatsApp();
  const connections = new Connections();
  let failing = 0;
  const session = await startSession({
    connect: whatsapp.connect,
    loadAuth: async () => {
      if (failing > 0) {
        failing--;
        throw new Error("S3 unreachable");
      }
      return storedAuthState(store, "wa/");
    },
    authLocation: "s3://bucket/wa/",
    connections,
    onQr: async () => {},
    onOpen: async () => {},
    onMessages: () => {},
    unlinkedCheckMs: 10,
  });
  try {
    const first = await whatsapp.latest();
    whatsapp.pair(first);
    await eventually(() => store.objects.has("wa/creds.json"));
    await store.put("wa/keys/pre-key/1.json", "{}", "application/json");
    whatsapp.open(first);
    whatsapp.close(first, "logged_out", "401: logged out");
    expect(connections.get("whatsapp")?.state).toBe("unlinked");

    failing = 3; // S3 fails for a while: not a deletion
    await eventually(() => failing === 0);
    await Bun.sleep(50);
    expect(whatsapp.connections.items).toHaveLength(1);
    expect(connections.get("whatsapp")?.state).toBe("unlinked");

    await store.delete("wa/creds.json"); // the operator's action; the stale key is cleared before pairing
    const second = await whatsapp.latest(2);
    expect(second.auth.creds.registered).toBeFalsy();
    expect(store.objects.has("wa/keys/pre-key/1.json")).toBe(false);
    expect(connections.get("whatsapp")?.state).toBe("pairing");
  } finally {
    session.stop();
  }
});

test("stopped while unlinked: no more checks, no pairing", async () => {
  const store = memoryStore();
  const whatsapp = new FakeWhatsApp();
  let checks = 0;
  const session = await startSession({
    connect: whatsapp.connect,
    loadAuth: async () => {
      checks++;
      return storedAuthState(store, "wa/");
    },
    authLocation: "s3://bucket/wa/",
    connections: new Connections(),
    onQr: async () => {},
    onOpen: async () => {},
    onMessages: () => {},
    unlinkedCheckMs: 10,
  });
  const first = await whatsapp.latest();
  whatsapp.close(first, "logged_out", "401: logged out");
  session.stop();
  const after = checks;
  await Bun.sleep(60);
  expect(checks).toBe(after);
  expect(whatsapp.connections.items).toHaveLength(1);
});
