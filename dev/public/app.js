// The emulator page: no build step. Messages typed here go to /_dev/send, which delivers them as
// correctly signed platform webhooks through the real ingress; the bot's API calls come back on
// /_dev/events and are drawn as the platform would show them.
const $ = (id) => document.getElementById(id);
// The run's token, put in the page by the dev server: /_dev/* wants it in this header.
const auth = { "x-dev-token": document.querySelector('meta[name="dev-token"]').content };
const state = { channel: null, channels: [], chats: new Map(), timeline: new Map(), typingUntil: 0 };

function chat(channel) {
  if (!state.chats.has(channel)) state.chats.set(channel, []);
  return state.chats.get(channel);
}

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function renderTabs() {
  $("tabs").replaceChildren(
    ...state.channels.map((c) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.role = "tab";
      tab.dataset.channel = c.name;
      tab.textContent = c.real ? `${c.title} (real bot)` : c.title;
      tab.setAttribute("aria-selected", String(c.name === state.channel));
      tab.onclick = () => select(c.name);
      return tab;
    }),
  );
}

function renderMessages() {
  const now = Date.now();
  const list = chat(state.channel).filter((m) => m.until === undefined || m.until > now);
  $("messages").replaceChildren(
    ...list.map((m) => {
      const li = document.createElement("li");
      li.className = `${m.from} ${m.kind ?? ""}`.trim();
      li.dataset.id = m.id ?? "";
      // server-side sanitised (dev/channels/html.ts) or escaped here; `who`: someone other than you
      li.innerHTML = (m.who ? `<small class="who">${escapeHtml(m.who)}</small>` : "") + m.html;
      return li;
    }),
  );
  $("messages").lastElementChild?.scrollIntoView({ block: "end" });
  $("typing").hidden = now > state.typingUntil;
}

function renderTimeline() {
  const entries = [...state.timeline.values()].filter((e) => e.channel === state.channel).reverse();
  $("timeline").replaceChildren(
    ...entries.map((entry) => {
      const li = document.createElement("li");
      li.className = entry.status;
      const t0 = entry.steps[0]?.at ?? 0;
      const steps = entry.steps
        .map(
          (s) =>
            `<li><span>+${s.at - t0} ms</span> ${escapeHtml(s.name)}${s.detail ? ` <em>${escapeHtml(s.detail)}</em>` : ""}</li>`,
        )
        .join("");
      const envelope = entry.envelope
        ? `<details><summary>envelope</summary><pre>${escapeHtml(JSON.stringify(entry.envelope, null, 2))}</pre></details>`
        : "";
      li.innerHTML = `<b class="status">${entry.status}</b><strong>${escapeHtml(entry.text ?? entry.envelopeId)}</strong><br><code>${escapeHtml(entry.envelopeId)}</code><ol>${steps}</ol>${envelope}`;
      return li;
    }),
  );
}

/** The users of a channel the page can write as (the emulator's own user first), from /_dev/state. */
function users(channel) {
  return state.channels.find((c) => c.name === channel)?.users ?? [];
}

function userLabel(user) {
  return user.role === "stranger" ? `Stranger (${user.id})` : `${user.name} (${user.role})`;
}

/** Who a bot message went to, when not the emulator's own user: "to Stranger (2002)". */
function recipient(channel, to) {
  const [own, ...others] = users(channel);
  if (to === undefined || to === own?.id) return undefined;
  const other = others.find((u) => u.id === to);
  return `to ${other ? userLabel(other) : to}`;
}

function renderSendAs() {
  $("as").replaceChildren(
    ...users(state.channel).map((user) => {
      const option = document.createElement("option");
      option.value = user.id;
      option.textContent = `as ${userLabel(user)}`;
      return option;
    }),
  );
  $("as").hidden = users(state.channel).length < 2;
}

function select(channel) {
  state.channel = channel;
  renderTabs();
  renderSendAs();
  renderMessages();
  renderTimeline();
  $("text").focus();
}

/** The bot's message (or draft) with this id, drawn in place: a new state of it replaces the old. */
function shown(list, id) {
  return id === undefined ? undefined : list.find((m) => m.from === "bot" && m.id === id);
}

// Each event is one visible state of the chat, with a message's whole text in `html` (dev/channels/types.ts).
function onUi(event) {
  const list = chat(event.channel);
  const who = recipient(event.channel, event.to);
  if (event.kind === "typing") {
    if (event.channel === state.channel) state.typingUntil = Date.now() + 5000;
  } else if (event.kind === "edit" || event.kind === "stream") {
    const message = shown(list, event.id);
    if (message) Object.assign(message, { html: event.html, kind: event.kind });
    else list.push({ from: "bot", id: event.id, html: event.html, kind: event.kind, who });
  } else if (event.kind === "draft") {
    // A draft lives `until` (Telegram drops it 30 s after its last update), or until the bot posts.
    const draft = shown(list, event.id);
    if (draft) Object.assign(draft, { html: event.html, until: event.until });
    else list.push({ from: "bot", kind: "draft", id: event.id, html: event.html, until: event.until, who });
  } else if (event.kind === "delete") {
    const message = shown(list, event.id);
    if (message) list.splice(list.indexOf(message), 1);
  } else if (event.kind === "message") {
    for (let i = list.length - 1; i >= 0; i--) if (list[i].kind === "draft") list.splice(i, 1);
    list.push({ from: "bot", id: event.id, html: event.html, who });
    state.typingUntil = 0;
  } else if (event.kind === "status") {
    list.push({ from: "system", html: escapeHtml(event.text ?? "") });
  }
  if (event.channel === state.channel) renderMessages();
}

/** The attached file as /_dev/send takes it: name, type and base64 bytes. */
async function attached() {
  const picked = $("file").files?.[0];
  if (!picked) return undefined;
  const bytes = new Uint8Array(await picked.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { name: picked.name, mime: picked.type || "application/octet-stream", base64: btoa(binary) };
}

$("file").addEventListener("change", () => {
  $("attach").classList.toggle("set", Boolean($("file").files?.length));
});

$("composer").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("text").value;
  const file = await attached();
  if (!text.trim() && !file) return;
  $("text").value = "";
  $("file").value = "";
  $("attach").classList.remove("set");
  const shown = file
    ? `📎 ${escapeHtml(file.name)}${text ? `<br>${escapeHtml(text)}` : ""}`
    : escapeHtml(text);
  // As the emulator's own user (the admin locally), or as someone else (a stranger: pairing end to end).
  const [own, ...others] = users(state.channel);
  const as = others.find((u) => u.id === $("as").value);
  chat(state.channel).push({ from: "user", html: shown, who: as ? userLabel(as) : undefined });
  renderMessages();
  const response = await fetch("/_dev/send", {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({
      channel: state.channel,
      text,
      ...(as && as.id !== own?.id ? { user: as.id } : {}),
      ...(file ? { file } : {}),
    }),
  });
  if (!response.ok)
    chat(state.channel).push({ from: "system", html: escapeHtml(`send failed: HTTP ${response.status}`) });
});

setInterval(() => {
  $("typing").hidden = Date.now() > state.typingUntil;
  // A draft whose time is up goes, as on the platform.
  for (const [channel, list] of state.chats) {
    const expired = list.filter((m) => m.until !== undefined && m.until <= Date.now());
    for (const m of expired) list.splice(list.indexOf(m), 1);
    if (expired.length > 0 && channel === state.channel) renderMessages();
  }
}, 500);

const initial = await (await fetch("/_dev/state", { headers: auth })).json();
state.channels = initial.channels;
$("agent").textContent = `agent: ${initial.agent}`;
for (const event of initial.events) onUi(event);
for (const entry of initial.timeline) state.timeline.set(entry.envelopeId, entry);
select(initial.channels[0]?.name);

const listeners = {
  ui: (data) => onUi(data),
  timeline: (entry) => {
    state.timeline.set(entry.envelopeId, entry);
    if (entry.channel === state.channel) renderTimeline();
  },
};
// The event stream, read with fetch (EventSource cannot send the token header).
const stream = await fetch("/_dev/events", { headers: auth });
document.body.dataset.ready = "true";
const reader = stream.body.pipeThrough(new TextDecoderStream()).getReader();
for (let buffer = ""; ; ) {
  const { value, done } = await reader.read();
  if (done) break;
  buffer += value;
  let end = buffer.indexOf("\n\n");
  for (; end >= 0; end = buffer.indexOf("\n\n")) {
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    const type = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (type && data && listeners[type]) listeners[type](JSON.parse(data));
  }
}
