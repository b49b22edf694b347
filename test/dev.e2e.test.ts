/**
 * `bun run dev` end to end: the dev stack started in-process (fauxqs, fakes, echo agent, one
 * thread per channel with the real handlers), and its emulator page driven in headless Chromium:
 * type a message in each channel, see the echo come back as that platform shows it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { DEV_CHANNELS } from "../dev/channels/index.ts";
import { type DevStack, startDevStack } from "../dev/stack.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let stack: DevStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startDevStack({ channels: DEV_CHANNELS, port: 0, print: false, env: {} });
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does it)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage();
  await page.goto(`${stack.url}/`);
  await page.waitForSelector("body[data-ready=true]");
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

for (const channel of DEV_CHANNELS) {
  test(`${channel.title}: a message typed in the page comes back from the echo agent`, async () => {
    await page.click(`#tabs button[data-channel="${channel.name}"]`);
    const text = `hello from the ${channel.name} tab`;
    await page.fill("#text", text);
    await page.press("#text", "Enter");
    const reply = page.locator("#messages li.bot", { hasText: text });
    await reply.waitFor({ timeout: 10_000 });
    expect(await reply.innerHTML()).toContain("echo:");
    // The timeline shows the message's way through the pipeline.
    const entry = page.locator("#timeline > li.done", { hasText: text });
    await entry.waitFor({ timeout: 5_000 });
    for (const step of ["queued", "taken by worker", "agent answered", "replied"]) {
      expect(await entry.textContent()).toContain(step);
    }
  }, 20_000);
}

test("the stack answers without the page too, and bad sends get 400", async () => {
  const { status, envelopeId } = await stack.send("telegram", "direct");
  expect(status).toBe(200);
  const entry = await stack.timeline.settled(envelopeId);
  expect(entry.status).toBe("done");
  const bad = await fetch(`${stack.url}/_dev/send`, { method: "POST", body: "{}" });
  expect(bad.status).toBe(400);
});
