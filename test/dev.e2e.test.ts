/**
 * `bun run dev` end to end: the dev stack started in-process (fauxqs, fakes, echo agent, one
 * thread per channel with the real handlers), and its emulator page driven in headless Chromium:
 * type a message in each channel, see the echo come back as that platform shows it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { DEV_CHANNELS } from "../dev/channels/index.ts";
import { telegramDev } from "../dev/channels/telegram.ts";
import { ECHO_IMAGE } from "../dev/echo-agent.ts";
import { type DevStack, startDevStack } from "../dev/stack.ts";
import { nonLoopbackAddress, rawHttp } from "./harness/raw-http.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let stack: DevStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startDevStack({
    channels: DEV_CHANNELS,
    port: 0,
    print: false,
    env: { ECHO_DELAY_MS: "60" },
  });
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
  test(`${channel.title}: a message typed in the page comes back from the echo agent, with its image`, async () => {
    await page.click(`#tabs button[data-channel="${channel.name}"]`);
    const text = `hello from the ${channel.name} tab, an image please`;
    await page.fill("#text", text);
    await page.press("#text", "Enter");
    const reply = page.locator("#messages li.bot", { hasText: text });
    await reply.waitFor({ timeout: 10_000 });
    expect(await reply.innerHTML()).toContain("echo:");
    // The echo agent's image, sent natively after the text, shows as the platform shows it: inline.
    const image = page.locator("#messages li.bot img.attachment");
    await image.first().waitFor({ timeout: 10_000 });
    expect(await image.first().getAttribute("src")).toStartWith("data:image/png;base64,iVBORw0KGgo");
    expect(await image.first().evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(32);
    // The timeline shows the message's way through the pipeline.
    const entry = page.locator("#timeline > li.done", { hasText: text });
    await entry.waitFor({ timeout: 5_000 });
    for (const step of ["queued", "taken by worker", "agent answered", "replied"]) {
      expect(await entry.textContent()).toContain(step);
    }
  }, 20_000);
}

test("Telegram: a streamed answer grows in place as a draft, then is the message; /_dev/state has every state", async () => {
  await page.click('#tabs button[data-channel="telegram"]');
  // Every state the chat shows, as the page draws it.
  await page.evaluate(() => {
    const states: { kind: string; text: string }[] = [];
    (window as unknown as { states: typeof states }).states = states;
    new MutationObserver(() => {
      for (const li of document.querySelectorAll("#messages li.bot"))
        states.push({
          kind: li.classList.contains("draft") ? "draft" : "message",
          text: li.textContent ?? "",
        });
    }).observe(document.getElementById("messages") as HTMLElement, { childList: true, subtree: true });
  });
  const text = `stream ${Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")} end`;
  await page.fill("#text", text);
  await page.press("#text", "Enter");
  const reply = page.locator("#messages li.bot:not(.draft)", { hasText: "word39 end" });
  await reply.waitFor({ timeout: 15_000 });
  expect(await page.locator("#messages li.draft").count()).toBe(0);
  const states = (
    await page.evaluate(() => (window as unknown as { states: { kind: string; text: string }[] }).states)
  ).filter((s) => s.text.includes("stream word0"));
  const drafts = [...new Set(states.filter((s) => s.kind === "draft").map((s) => s.text))];
  // Growing states, each a prefix of the next, shorter than the answer, before the message.
  expect(drafts.length).toBeGreaterThanOrEqual(2);
  for (const [i, draft] of drafts.entries()) {
    expect(draft.length).toBeLessThan((await reply.textContent())?.length ?? 0);
    if (i > 0) expect(draft.startsWith((drafts[i - 1] ?? "").trimEnd())).toBe(true);
  }
  expect(states.findIndex((s) => s.kind === "message")).toBeGreaterThan(
    states.findIndex((s) => s.kind === "draft"),
  );
  // The timeline shows when the agent's first text came and when the first of it showed.
  const entry = page.locator("#timeline > li.done", { hasText: "word39" });
  await entry.waitFor({ timeout: 5_000 });
  for (const step of ["agent's first text", "first visible text", "replied"])
    expect(await entry.textContent()).toContain(step);
  // The local API: each visible state is one event with the whole text in `html`.
  const { events } = (await (
    await fetch(`${stack.url}/_dev/state`, { headers: { "x-dev-token": stack.token } })
  ).json()) as { events: { channel: string; kind: string; html: string; id?: string }[] };
  const ours = events.filter((e) => e.channel === "telegram" && e.html?.includes("stream word0"));
  const draftEvents = ours.filter((e) => e.kind === "draft");
  expect(draftEvents.length).toBeGreaterThanOrEqual(2);
  expect(new Set(draftEvents.map((e) => e.id)).size).toBe(1);
  expect(ours.at(-1)?.kind).toBe("message");
  expect(ours.at(-1)?.html).toContain("word39 end");
}, 30_000);

for (const name of ["telegram", "slack", "whatsapp", "discord"]) {
  test(`${name}: a file attached in the page reaches the agent (stored, its name, type and size echoed), an image comes back`, async () => {
    await page.click(`#tabs button[data-channel="${name}"]`);
    const pdf = `%PDF-1.7 notes for ${name}`;
    await page.setInputFiles("#file", {
      name: `notes-${name}.pdf`,
      mimeType: "application/pdf",
      buffer: Buffer.from(pdf),
    });
    await page.fill("#text", `read the ${name} file`);
    await page.press("#text", "Enter");
    // The whole echo (a streamed answer grows first): the file as the agent got it, fetched and stored.
    const echoed = `notes-${name}.pdf (application/pdf, ${pdf.length} bytes)`;
    await page.locator("#messages li.bot:not(.draft)", { hasText: echoed }).waitFor({ timeout: 10_000 });
    // Its image, after the text: the last message of the chat.
    await page.locator("#messages li.bot:last-child img.attachment").waitFor({ timeout: 10_000 });
  }, 20_000);
}

test("/_dev/send with a file that is not one is 400", async () => {
  const headers = { "x-dev-token": stack.token, "content-type": "application/json" };
  const post = (body: unknown) =>
    fetch(`${stack.url}/_dev/send`, { method: "POST", headers, body: JSON.stringify(body) });
  const file = { name: "a.txt", mime: "text/plain", base64: Buffer.from("hi").toString("base64") };
  expect((await post({ channel: "discord", text: "x", file: { ...file, name: "" } })).status).toBe(400);
  expect((await post({ channel: "telegram", text: "x", file: { ...file, mime: "nope" } })).status).toBe(400);
  expect((await post({ channel: "telegram", text: "x", file: { ...file, base64: "!!" } })).status).toBe(400);
});

test("the stack answers without the page too, and bad sends get 400", async () => {
  const { status, envelopeId } = await stack.send("telegram", "direct");
  expect(status).toBe(200);
  const entry = await stack.timeline.settled(envelopeId);
  expect(entry.status).toBe("done");
  const headers = { "x-dev-token": stack.token, "content-type": "application/json" };
  for (const body of ["{}", '{"channel":"nope","text":"x"}', '{"channel":"telegram"}', "not json"]) {
    expect((await fetch(`${stack.url}/_dev/send`, { method: "POST", headers, body })).status).toBe(400);
  }
});

test("POST /_dev/outbound delivers a message the agent starts, as the deployed send queue would", async () => {
  const headers = { "x-dev-token": stack.token, "content-type": "application/json" };
  const message = {
    channel: "telegram",
    // The private chat of the emulator's own user (the admin): its id is the user's.
    conversation: "1001",
    text: "your **report** is ready",
    attachments: [
      { base64: ECHO_IMAGE.base64, mime: "image/png", name: "report.png", caption: "the report" },
    ],
    idempotencyKey: "dev-outbound-1",
  };
  const post = (body: unknown, extra: Record<string, string> = headers) =>
    fetch(`${stack.url}/_dev/outbound`, { method: "POST", headers: extra, body: JSON.stringify(body) });
  expect((await post(message)).status).toBe(202);
  expect((await post(message)).status).toBe(202); // the same key again: delivered once
  const shown = async () => {
    const state = await (await fetch(`${stack.url}/_dev/state`, { headers })).json();
    return (state.events as { channel: string; html?: string }[]).filter(
      (e) => e.channel === "telegram" && e.html?.includes("report</b> is ready"),
    );
  };
  const images = async () => {
    const state = await (await fetch(`${stack.url}/_dev/state`, { headers })).json();
    return (state.events as { channel: string; html?: string }[]).filter(
      (e) => e.channel === "telegram" && e.html?.includes('alt="report.png"'),
    );
  };
  for (let i = 0; i < 100 && (await images()).length === 0; i++) await Bun.sleep(100);
  expect((await shown()).length).toBe(1);
  // Its file, after the text, once: the same send ledger entry.
  expect((await images()).map((e) => e.html?.endsWith("<br>the report"))).toEqual([true]);
  // Bad messages are 400 with the reason; the token and JSON are required as for /_dev/send.
  const bad = await post({ ...message, idempotencyKey: undefined });
  expect([bad.status, await bad.text()]).toEqual([
    400,
    'idempotencyKey: Invalid key: Expected "idempotencyKey" but received undefined\n',
  ]);
  expect((await post({ ...message, channel: "nope" })).status).toBe(400);
  expect((await post(message, { "content-type": "application/json" })).status).toBe(401);
  expect((await post(message, { "x-dev-token": stack.token, "content-type": "text/plain" })).status).toBe(
    415,
  );
}, 20_000);

test('the echo agent answers a "later" message at once with the async acknowledgement, then once through /_dev/outbound', async () => {
  const headers = { "x-dev-token": stack.token, "content-type": "application/json" };
  const { status, envelopeId } = await stack.send("telegram", "later the weekly report");
  expect(status).toBe(200);
  expect((await stack.timeline.settled(envelopeId)).status).toBe("done");
  const shown = async () => {
    const state = await (await fetch(`${stack.url}/_dev/state`, { headers })).json();
    return (state.events as { channel: string; html?: string }[])
      .filter((e) => e.channel === "telegram")
      .map((e) => e.html ?? "")
      .filter((html) => html.includes("On it…") || html.includes("later:</b> later the weekly report"));
  };
  for (let i = 0; i < 100 && !(await shown()).some((h) => h.includes("later:</b>")); i++)
    await Bun.sleep(100);
  // The acknowledgement first (the turn's answer), then the result, once.
  const seen = await shown();
  expect(seen.map((h) => (h.includes("On it…") ? "ack" : "result"))).toEqual(["ack", "result"]);
}, 20_000);

test("acting as another user (`user`): a stranger gets a pairing code, the emulator's own user (the admin) is asked and allows it", async () => {
  const headers = { "x-dev-token": stack.token, "content-type": "application/json" };
  const send = async (text: string, user?: string) => {
    const response = await fetch(`${stack.url}/_dev/send`, {
      method: "POST",
      headers,
      body: JSON.stringify({ channel: "telegram", text, ...(user ? { user } : {}) }),
    });
    expect(response.status).toBe(200);
    return (await stack.timeline.settled((await response.json()).envelopeId)).status;
  };
  const htmls = async () => {
    const state = await (await fetch(`${stack.url}/_dev/state`, { headers })).json();
    return (state.events as { channel: string; html?: string }[])
      .filter((e) => e.channel === "telegram")
      .map((e) => e.html ?? "");
  };
  const before = (await htmls()).length;
  expect(await send("hello, who are you?", "2003")).toBe("done");
  // The stranger's code, and the admin's request naming it (events are drawn as they arrive).
  let code = "";
  for (let i = 0; i < 100 && !code; i++) {
    code = /\/allow ([0-9A-Z]{6})/.exec((await htmls()).slice(before).join("\n"))?.[1] ?? "";
    if (!code) await Bun.sleep(50);
  }
  expect(code).toMatch(/^[0-9A-Z]{6}$/);
  expect((await htmls()).slice(before).some((html) => html.includes("echo:"))).toBe(false);
  expect(await send(`/allow ${code}`)).toBe("done");
  expect(await send("now may I?", "2003")).toBe("done");
  for (let i = 0; i < 100; i++) {
    if ((await htmls()).slice(before).some((html) => html.includes("echo:") && html.includes("now may I?")))
      break;
    await Bun.sleep(50);
  }
  expect(
    (await htmls()).slice(before).some((html) => html.includes("echo:") && html.includes("now may I?")),
  ).toBe(true);
  const bad = JSON.stringify({ channel: "telegram", text: "x", user: "not an id!" });
  expect((await fetch(`${stack.url}/_dev/send`, { method: "POST", headers, body: bad })).status).toBe(400);
}, 20_000);

test("the page's 'send as' control: a stranger typing in the page gets a pairing code, you (the admin) allow it there, the stranger is answered", async () => {
  await page.click('#tabs button[data-channel="telegram"]');
  const options = await page.locator("#as option").allTextContents();
  expect(options).toEqual(["as You (admin)", "as Stranger (2002)"]);
  const type = async (as: string, text: string) => {
    await page.selectOption("#as", { label: as });
    await page.fill("#text", text);
    await page.press("#text", "Enter");
  };
  await type("as Stranger (2002)", "hi, I am new here");
  // The user's bubble says who wrote; the bot's answer to the stranger says whom it went to.
  await page
    .locator("#messages li.user", { hasText: "hi, I am new here" })
    .filter({ hasText: "Stranger (2002)" })
    .waitFor({ timeout: 10_000 });
  const toStranger = page.locator("#messages li.bot", { hasText: "to Stranger (2002)" });
  await toStranger.first().waitFor({ timeout: 10_000 });
  // The admin's own chat is asked, naming the code (and not marked as sent to someone else).
  const asked = page
    .locator("#messages li.bot", { hasText: "/allow" })
    .filter({ hasText: "Stranger" })
    .filter({ hasNotText: "to Stranger" });
  await asked.first().waitFor({ timeout: 10_000 });
  const code = /\/allow ([0-9A-Z]{6})/.exec((await asked.first().textContent()) ?? "")?.[1] ?? "";
  expect(code).toMatch(/^[0-9A-Z]{6}$/);
  // The stranger got the same code, to pass on, and no word of who the admins are.
  expect((await toStranger.allTextContents()).join("\n")).toContain(code);
  expect((await toStranger.allTextContents()).join("\n")).not.toContain("/allow");
  expect(await page.locator("#messages li.bot", { hasText: "hi, I am new here" }).count()).toBe(0);

  await type("as You (admin)", `/allow ${code}`);
  await type("as Stranger (2002)", "may I now?");
  const echo = page.locator("#messages li.bot", { hasText: "may I now?" });
  await echo.waitFor({ timeout: 10_000 });
  expect(await echo.textContent()).toContain("to Stranger (2002)");
  expect(await echo.innerHTML()).toContain("echo:");
}, 30_000);

test("a local tool drives the API with the run's token, as JSON; without it, or with text/plain, it cannot", async () => {
  const send = (headers: Record<string, string>) =>
    fetch(`${stack.url}/_dev/send`, {
      method: "POST",
      headers,
      body: JSON.stringify({ channel: "telegram", text: "from a tool" }),
    });
  const ok = await send({ "x-dev-token": stack.token, "content-type": "application/json" });
  expect(ok.status).toBe(200);
  expect((await stack.timeline.settled((await ok.json()).envelopeId)).status).toBe("done");
  expect((await send({ "content-type": "application/json" })).status).toBe(401);
  expect(
    (await send({ "x-dev-token": "guessed-token-0000000000", "content-type": "application/json" })).status,
  ).toBe(401);
  // What a web page can send without asking (a "simple" request): refused even with the token.
  expect((await send({ "x-dev-token": stack.token, "content-type": "text/plain" })).status).toBe(415);
  expect((await fetch(`${stack.url}/_dev/state`)).status).toBe(401);
  const state = await fetch(`${stack.url}/_dev/state`, { headers: { "x-dev-token": stack.token } });
  expect((await state.json()).channels.length).toBe(DEV_CHANNELS.length);
});

test("another origin's requests are refused: the API, the ingress routes, the page's event stream", async () => {
  const origin = "https://evil.example";
  const api = { "x-dev-token": stack.token, "content-type": "application/json", origin };
  const body = JSON.stringify({ channel: "telegram", text: "from a page" });
  expect((await fetch(`${stack.url}/_dev/send`, { method: "POST", headers: api, body })).status).toBe(403);
  expect((await fetch(`${stack.url}/_dev/events`, { headers: api })).status).toBe(403);
  expect(
    (await fetch(`${stack.url}/telegram`, { method: "POST", headers: { origin }, body: "{}" })).status,
  ).toBe(403);
  // The page's own origin is fine.
  const own = { ...api, origin: stack.url };
  expect((await fetch(`${stack.url}/_dev/send`, { method: "POST", headers: own, body })).status).toBe(200);
});

test("a request naming another host (DNS rebinding) is refused, the page included", async () => {
  for (const host of [`evil.example:${stack.port}`, `127.0.0.1.nip.io:${stack.port}`, "localhost"]) {
    for (const path of ["/", "/_dev/state", "/telegram"]) {
      const response = await rawHttp({
        port: stack.port,
        path,
        headers: { host, "x-dev-token": stack.token },
      });
      expect(response).toMatchObject({ status: 403 });
    }
  }
  const page = await rawHttp({ port: stack.port, path: "/", headers: { host: `127.0.0.1:${stack.port}` } });
  expect(page).toMatchObject({ status: 200 });
  expect("body" in page && page.body).toContain(`<meta name="dev-token" content="${stack.token}">`);
});

const other = nonLoopbackAddress();
test.skipIf(other === undefined)(`nothing answers on this machine's other address (${other})`, async () => {
  expect(await rawHttp({ port: stack.port, address: other, path: "/" })).toEqual({ error: "ECONNREFUSED" });
});

test("the dev Telegram webhook secret is new for every run", async () => {
  const [a, b] = await Promise.all([telegramDev.start(), telegramDev.start()]);
  try {
    expect(a.secret.webhook_secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.secret.webhook_secret).not.toBe(b.secret.webhook_secret);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
