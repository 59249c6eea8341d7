// The torchfeed catalog page: plain JavaScript, no build step. Reads the HTTP API (docs/http.md) and
// re-renders whenever an event arrives on the /v1/events WebSocket.
"use strict";

const $ = (selector) => document.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function tensorTable(title, tensors) {
  const rows = tensors.length
    ? tensors.map((t) => el("tr", {}, el("td", { class: "mono" }, t.name),
        el("td", { class: "mono" }, `[${t.shape.join(", ")}]`), el("td", { class: "mono" }, t.dtype)))
    : [el("tr", { class: "empty" }, el("td", { colspan: "3" }, "none"))];
  return el("table", { class: "tensors" },
    el("thead", {}, el("tr", {}, el("th", {}, `${title} (${tensors.length})`), el("th", {}, "shape"),
      el("th", {}, "dtype"))),
    el("tbody", {}, rows));
}

function modelCard(detail) {
  const aliasesByVersion = {};
  for (const [alias, version] of Object.entries(detail.aliases || {})) {
    (aliasesByVersion[version] ||= []).push(alias);
  }
  const versions = [...detail.versions].reverse().map((m) => {
    const badges = (aliasesByVersion[m.version] || []).map((a) => el("span", { class: "badge alias" }, `@${a}`));
    if (m.version === detail.latest) badges.unshift(el("span", { class: "badge latest" }, "latest"));
    return el("details", { "data-version": String(m.version) },
      el("summary", {}, el("strong", {}, `version ${m.version}`), " ", badges, " ",
        el("span", { class: "muted" }, `${m.size} bytes · format ${m.formatVersion} · sha256 `),
        el("span", { class: "mono muted" }, m.sha256.slice(0, 16) + "…")),
      tensorTable("parameters", m.parameters),
      tensorTable("buffers", m.buffers));
  });
  return el("article", { class: "model", "data-model": detail.name },
    el("h3", {}, detail.name, el("span", { class: "badge" }, `${detail.versions.length} version(s)`),
      Object.entries(detail.aliases || {}).map(([a, v]) => el("span", { class: "badge alias" }, `@${a} → ${v}`))),
    versions);
}

async function renderModels() {
  const listing = await getJson("/v1/models");
  const details = await Promise.all(
    listing.models.map((m) => getJson(`/v1/models/${encodeURIComponent(m.name)}`)));
  const container = $("#models");
  const open = new Set([...container.querySelectorAll("details[open]")].map(
    (d) => `${d.closest("[data-model]").dataset.model}:${d.dataset.version}`));
  container.replaceChildren(...(details.length
    ? details.map(modelCard)
    : [el("p", { class: "muted" }, "No models are served.")]));
  for (const d of container.querySelectorAll("details")) {
    if (open.has(`${d.closest("[data-model]").dataset.model}:${d.dataset.version}`)) d.open = true;
  }
  const rejected = listing.rejected.map((r) =>
    el("tr", { "data-path": r.path }, el("td", { class: "mono" }, r.path), el("td", {}, r.reason)));
  $("#rejected tbody").replaceChildren(...(rejected.length
    ? rejected : [el("tr", { class: "empty" }, el("td", { colspan: "2" }, "none"))]));
}

async function renderClients() {
  let clients = [];
  try {
    clients = await getJson("/v1/clients");
  } catch (e) {
    clients = [];
  }
  const rows = clients.map((c) => el("tr", { "data-client": String(c.id) },
    el("td", { class: "mono" }, c.id), el("td", { class: "mono" }, c.address), el("td", {}, c.software),
    el("td", {}, c.libtorch || "—"), el("td", {}, (c.subscriptions || []).join(", ") || "—"),
    el("td", {}, (c.receipts || []).map((r) => el("div", {},
      `${r.name}:${r.version} `, el("span", { class: `status-${r.status}` }, r.status),
      r.reason ? ` (${r.reason})` : "")))));
  $("#clients tbody").replaceChildren(...(rows.length
    ? rows : [el("tr", { class: "empty" }, el("td", { colspan: "6" }, "none"))]));
}

function describe(event) {
  switch (event.event) {
    case "published": return `published ${event.name}:${event.version}`;
    case "removed": return `removed ${event.name}:${event.version}`;
    case "alias": return event.version
      ? `${event.name}@${event.alias} → ${event.version}` : `${event.name}@${event.alias} removed`;
    case "receipt": return `client ${event.client} ${event.status} ${event.name}:${event.version}`;
    default: return JSON.stringify(event);
  }
}

async function refresh() {
  try {
    await Promise.all([renderModels(), renderClients()]);
  } catch (e) {
    console.error(e);
  }
}

function connect() {
  const live = $("#live");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/v1/events`);
  socket.onopen = () => { live.textContent = "live"; live.className = "live on"; refresh(); };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    const item = el("li", { class: "flash" }, `${new Date().toLocaleTimeString()} — ${describe(event)}`);
    $("#events").prepend(item);
    refresh();
  };
  socket.onclose = () => {
    live.textContent = "reconnecting…";
    live.className = "live off";
    setTimeout(connect, 2000);
  };
}

refresh();
connect();
