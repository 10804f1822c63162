// The organism page: draws what /organism/events pushes (a snapshot, then vitals, hormone and quarantine events).
// No framework and no build step; everything is drawn with DOM and inline SVG, text only through textContent.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const PLOT_MS = 5 * 60 * 1000;
const IDLE_MS = 10 * 1000;
const LAYOUT = {
  gateway: [80, 170], orders: [380, 170], inventory: [660, 60], payments: [660, 290],
  notifications: [910, 290], shipping: [910, 60], cortex: [380, 330],
};
const state = { cells: new Map(), pathways: new Map(), hormones: new Map(), changes: [], quarantines: [], immuneError: null };
let pending = false;
let pathogensDrawn = "";

function el(tag, attrs, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return node;
}

function time(at) { return new Date(at).toLocaleTimeString(); }
function fixed(n, digits) { return Number.isFinite(n) ? n.toFixed(digits) : "–"; }

function load(snapshot) {
  state.cells = new Map(snapshot.cells.map(c => [c.cell, c]));
  state.pathways = new Map(snapshot.pathways.map(p => [p.pathway, p]));
  state.hormones = new Map(snapshot.hormones.map(h => [h.key, h]));
  state.changes = snapshot.changes;
  state.quarantines = snapshot.quarantines;
  state.immuneError = snapshot.immuneError;
  schedule();
}

function onVitals(v) {
  const cell = state.cells.get(v.cell) || { cell: v.cell };
  state.cells.set(v.cell, { ...cell, vitals: "active", lastVitals: v.at, calls: v.calls, serverErrors: v.serverErrors, shed: v.shed, health: v.health });
  for (const p of v.pathways) {
    const known = state.pathways.get(p.pathway) || { pathway: p.pathway, cell: p.cell, target: p.target, points: [] };
    known.points.push(p.point);
    const oldest = p.point.t - PLOT_MS;
    while (known.points.length && known.points[0].t < oldest) known.points.shift();
    state.pathways.set(p.pathway, known);
  }
  schedule();
}

function onHormone(change) {
  const known = state.hormones.get(change.key);
  if (change.value === null) {
    state.hormones.delete(change.key);
  } else {
    const history = [change, ...(known ? known.history : [])].slice(0, 20);
    state.hormones.set(change.key, { key: change.key, value: change.value, version: change.version, by: change.by, reason: change.reason, history });
  }
  state.changes = [change, ...state.changes].slice(0, 200);
  schedule();
}

function schedule() {
  if (pending) return;
  pending = true;
  setTimeout(() => { pending = false; render(); }, 50);
}

function latest(pathway) {
  const p = pathway.points[pathway.points.length - 1];
  return p && Date.now() - p.t < IDLE_MS ? p : null;
}

function failures(p) { return p.serverErrors + p.timeouts + p.transport + p.breakerOpen + p.shed + p.canceled; }
// The cortex judges each window (PathwayHealth): ok, errors (failures or retried attempts, with or without a call
// that ended), waiting (calls in flight, none ended yet) or idle (nothing attempted). A window older than IDLE_MS is idle.
function healthOf(p) { return p ? p.health : "idle"; }

function mix(p) {
  if (!p) return "no calls";
  if (p.ended === 0) {
    const parts = ["no call ended", p.inFlight ? `${p.inFlight} in flight` : null, p.retries ? `${p.retries} retried` : null].filter(Boolean);
    return parts.join(" · ");
  }
  const parts = [["5xx", p.serverErrors], ["timeout", p.timeouts], ["transport", p.transport], ["breaker", p.breakerOpen], ["shed", p.shed], ["canceled", p.canceled], ["4xx", p.clientErrors], ["retried", p.retries]]
    .filter(([, n]) => n > 0).map(([name, n]) => `${name} ${Math.round(100 * n / p.ended)}%`);
  if (p.ok === 0 && failures(p) > 0) parts.unshift("none succeeded");
  return parts.length ? parts.join(" · ") : "no errors";
}

function pathogensOf(cell) {
  const value = name => state.hormones.get(`${cell}.pathogens.${name}`)?.value;
  const active = [];
  if (value("outage") === "true") active.push("outage");
  if (Number(value("errorRate")) > 0) active.push(`errors ${Math.round(100 * Number(value("errorRate")))}%`);
  if (Number(value("latencyMs")) > 0) active.push(`latency +${value("latencyMs")} ms`);
  if (Number(value("slotReduction")) > 0) active.push(`${value("slotReduction")} fewer slots`);
  if (Number(value("workMs")) > 0) active.push(`work ${value("workMs")} ms`);
  return active;
}

function renderGraph() {
  const cells = [...state.cells.values()];
  const extra = cells.filter(c => !LAYOUT[c.cell]);
  const at = name => LAYOUT[name] || [80 + 200 * extra.findIndex(c => c.cell === name), 440];
  const height = extra.length ? 480 : 380;
  const svg = el("svg:svg", { viewBox: `0 0 1000 ${height}`, width: "100%", role: "img", "aria-label": "the cell graph" });
  svg.append(el("svg:defs", {}, el("svg:marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, el("svg:path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#5b7fb0" }))));
  for (const pathway of state.pathways.values()) {
    const [x1, y1] = at(pathway.cell);
    const [x2, y2] = at(pathway.target);
    const p = latest(pathway);
    const health = healthOf(p);
    const breaker = p && p.breakerOpen > 0 ? "open" : "closed";
    const dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy) || 1;
    const sx = x1 + dx / len * 70, sy = y1 + dy / len * 32, ex = x2 - dx / len * 70, ey = y2 - dy / len * 32;
    // Labels in short lines, placed where no cell is: centred above a level edge (it runs between two neighbouring
    // cells), and to the right of a slanted edge's middle, on the side away from the line.
    const lines = p ? [`${fixed(p.goodput, 1)}/s · p99 ${fixed(p.p99, 0)} ms`, `limit ${p.limit} · breaker ${breaker}`, mix(p)] : ["idle"];
    const mx = (sx + ex) / 2, my = (sy + ey) / 2, level = Math.abs(ey - sy) < 20;
    const lineAt = i => level ? [mx, my - 14 - 13 * (lines.length - 1 - i)]
      : ey < sy ? [mx + 10, my + 20 + 13 * i] : [mx + 10, my - 10 - 13 * (lines.length - 1 - i)];
    svg.append(el("svg:g", { class: "edge", "data-pathway": pathway.pathway, "data-health": health, "data-breaker": breaker },
      el("svg:line", { x1: sx, y1: sy, x2: ex, y2: ey, "marker-end": "url(#arrow)" }),
      ...lines.map((line, i) => {
        const [x, y] = lineAt(i);
        return el("svg:text", { x, y, "text-anchor": level ? "middle" : "start", class: i === 2 ? "mix" : undefined }, line);
      })));
  }
  for (const cell of cells) {
    const [x, y] = at(cell.cell);
    const errors = cell.vitals === "active" && cell.health === "errors";
    const status = cell.vitals === "active" ? `${cell.calls} req/s · 5xx ${cell.serverErrors}${cell.shed ? ` · shed ${cell.shed}` : ""}`
      : cell.vitals === "none" ? (cell.cell === "cortex" ? "serving this page" : "publishes no vitals")
      : cell.vitals === "idle" ? "idle (no calls lately)" : "no vitals seen";
    const infected = pathogensOf(cell.cell);
    svg.append(el("svg:g", { class: "node", "data-cell": cell.cell, "data-vitals": cell.vitals, "data-health": errors ? "errors" : "ok" },
      el("svg:rect", { x: x - 70, y: y - 30, width: 140, height: 60, rx: 8 }),
      el("svg:text", { x, y: y - 10, "text-anchor": "middle", "font-weight": 600 }, cell.cell),
      el("svg:text", { x, y: y + 6, "text-anchor": "middle", class: "status" }, status),
      el("svg:text", { x, y: y + 21, "text-anchor": "middle", class: "status" }, infected.length ? `☣ ${infected.join(", ")}` : "")));
  }
  document.getElementById("graph").replaceChildren(svg);
}

function plot(points, series, width, height) {
  const now = Date.now();
  const max = Math.max(1, ...points.flatMap(p => series.map(s => s.value(p))));
  const svg = el("svg:svg", { class: "plot", viewBox: `0 0 ${width} ${height}`, width, height });
  for (const s of series) {
    const coords = points.map(p => `${fixed(width - (now - p.t) / PLOT_MS * width, 1)},${fixed(height - 2 - s.value(p) / max * (height - 14), 1)}`);
    if (coords.length) svg.append(el("svg:polyline", { class: s.name, points: coords.join(" ") }));
  }
  svg.append(el("svg:text", { x: 3, y: 11 }, `max ${fixed(max, max < 10 ? 1 : 0)}`));
  svg.append(el("svg:text", { x: width - 3, y: height - 3, "text-anchor": "end" }, "now"));
  svg.append(el("svg:text", { x: 3, y: height - 3 }, "−5 min"));
  return svg;
}

function renderPathways() {
  const rows = [...state.pathways.values()].sort((a, b) => a.pathway.localeCompare(b.pathway)).map(pathway => {
    const p = latest(pathway);
    const health = healthOf(p);
    return el("tr", { "data-pathway": pathway.pathway, "data-health": health },
      el("td", {}, pathway.pathway),
      el("td", { class: "num" }, p ? fixed(p.goodput, 1) : "–"),
      el("td", { class: "num" }, p ? fixed(p.p99, 0) : "–"),
      el("td", { class: "num" }, p ? p.limit : "–"),
      el("td", {}, p && p.breakerOpen > 0 ? "open" : "closed"),
      el("td", {}, mix(p)),
      el("td", {}, plot(pathway.points, [{ name: "goodput", value: q => q.goodput }, { name: "errors", value: q => failures(q) }], 260, 60)),
      el("td", {}, plot(pathway.points, [{ name: "p99", value: q => q.p99 }, { name: "limit", value: q => q.limit }], 200, 60)));
  });
  const table = rows.length
    ? el("table", {}, el("thead", {}, el("tr", {}, ["pathway", "goodput/s", "p99 ms", "limit", "breaker", "error mix",
        el("span", { class: "legend" }, el("span", { class: "g" }, "goodput/s"), el("span", { class: "e" }, "failed/s")),
        el("span", { class: "legend" }, el("span", { class: "p" }, "p99 ms"), el("span", { class: "l" }, "limit"))].map(h => el("th", {}, h)))), el("tbody", {}, rows))
    : el("p", { class: "empty" }, "no pathway vitals yet");
  document.getElementById("pathways").replaceChildren(table);
}

function renderPathogens() {
  // Cells with pathogen hormones, and cells that publish vitals (their ingress honours pathogens).
  const cells = [...new Set([...[...state.hormones.keys()].filter(k => k.includes(".pathogens.")).map(k => k.split(".")[0]),
    ...[...state.cells.values()].filter(c => c.vitals === "active" || c.vitals === "idle").map(c => c.cell)])].sort();
  // Redrawn only when something changed: a button replaced under the pointer would swallow the click.
  const signature = JSON.stringify(cells.map(cell => [cell, ["outage", "errorRate", "latencyMs", "slotReduction", "workMs"].map(n => state.hormones.get(`${cell}.pathogens.${n}`)?.value)]));
  if (signature === pathogensDrawn) return;
  pathogensDrawn = signature;
  const rows = cells.map(cell => {
    const active = pathogensOf(cell);
    const toggle = (pathogen, label, on) => el("button", { type: "button", "data-pathogen-cell": cell, "data-pathogen": pathogen, "data-on": String(!on) }, `${label} ${on ? "off" : "on"}`);
    const value = name => state.hormones.get(`${cell}.pathogens.${name}`)?.value;
    return el("div", { class: "pathogen-cell", "data-cell": cell, "data-infected": String(active.length > 0) },
      el("span", { class: "name" }, cell),
      el("span", { class: "active" }, active.length ? active.join(", ") : "healthy"),
      toggle("errors", "50 % errors", Number(value("errorRate")) > 0),
      toggle("outage", "outage", value("outage") === "true"),
      toggle("latency", "+300 ms", Number(value("latencyMs")) > 0),
      el("button", { type: "button", "data-pathogen-cell": cell, "data-pathogen": "heal", "data-on": "true" }, "heal"));
  });
  document.getElementById("pathogens").replaceChildren(...(rows.length ? rows : [el("p", { class: "empty" }, "no cell with pathogens seen yet")]));
}

function changeItem(c) {
  const parts = c.key.split(".");
  const what = parts[1] === "pathways" && parts.length > 3 ? `${parts[0]}→${parts[2]} ${parts.slice(3).join(".")}` : c.key;
  return el("li", { "data-key": c.key, "data-by": c.by, "data-at": c.at },
    el("time", {}, time(c.at)),
    `${what}: ${c.old ?? "(none)"} → ${c.value ?? "(deleted)"} `,
    el("span", { class: "by" }, `by ${c.by}`),
    c.reason ? el("div", { class: "reason" }, c.reason) : null);
}

function renderChanges() {
  const decisions = state.changes.filter(c => c.by.startsWith("cortex")).slice(0, 40);
  document.getElementById("decisions").replaceChildren(...(decisions.length ? decisions.map(changeItem) : [el("li", { class: "empty" }, "no decision since the page's cortex started")]));
  document.getElementById("changes").replaceChildren(...(state.changes.length ? state.changes.slice(0, 40).map(changeItem) : [el("li", { class: "empty" }, "no change since the page's cortex started")]));
}

function renderQuarantines() {
  const target = document.getElementById("quarantines");
  if (state.immuneError) {
    target.replaceChildren(el("p", { class: "empty" }, state.immuneError));
  } else if (!state.quarantines.length) {
    target.replaceChildren(el("p", { class: "empty", "data-quarantines": "0" }, "no quarantine in force"));
  } else {
    target.replaceChildren(el("table", { "data-quarantines": state.quarantines.length },
      el("thead", {}, el("tr", {}, ["target", "stage", "reason", "since", "until"].map(h => el("th", {}, h)))),
      el("tbody", {}, state.quarantines.map(q => el("tr", { "data-target": q.target },
        el("td", {}, q.target), el("td", {}, q.stage), el("td", {}, q.reason), el("td", {}, time(q.since)), el("td", {}, time(q.expiresAt)))))));
  }
}

function renderHormones() {
  const container = document.getElementById("hormones");
  const open = new Set([...container.querySelectorAll("details[open]")].map(d => d.dataset.cell));
  const byCell = new Map();
  for (const h of [...state.hormones.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const cell = h.key.split(".")[0];
    if (!byCell.has(cell)) byCell.set(cell, []);
    byCell.get(cell).push(h);
  }
  container.replaceChildren(...[...byCell.entries()].map(([cell, hormones]) => el("details", { "data-cell": cell, open: open.has(cell) ? "" : null },
    el("summary", {}, `${cell} (${hormones.length})`),
    el("table", {}, el("tbody", {}, hormones.map(h => el("tr", { "data-hormone": h.key },
      el("td", {}, h.key), el("td", { class: "value" }, h.value), el("td", { class: "by" }, h.by), el("td", { class: "reason" }, h.reason),
      el("td", { class: "history" }, h.history.length > 1 ? "was " + h.history.slice(1).map(c => c.value ?? "(none)").join(" ← ") : "")))))))); 
}

function render() {
  renderGraph();
  renderPathogens();
  renderPathways();
  renderChanges();
  renderQuarantines();
  renderHormones();
}

async function switchPathogen(button) {
  const message = document.getElementById("operator-message");
  const key = document.getElementById("operator-key").value;
  sessionStorage.setItem("operator-key", key);
  const body = { cell: button.dataset.pathogenCell, pathogen: button.dataset.pathogen, on: button.dataset.on === "true" };
  message.dataset.outcome = "pending";
  message.textContent = `${body.cell}: ${body.pathogen} …`;
  try {
    const headers = { "content-type": "application/json" };
    if (key) headers["X-Operator-Key"] = key;
    const response = await fetch("/organism/pathogens", { method: "POST", headers, body: JSON.stringify(body) });
    if (response.ok) {
      message.dataset.outcome = "done";
      message.textContent = `${body.cell}: ${body.pathogen === "heal" ? "healed" : `${body.pathogen} ${body.on ? "on" : "off"}`}`;
    } else {
      const problem = await response.json().catch(() => ({}));
      message.dataset.outcome = "refused";
      message.textContent = `refused (${response.status}): ${problem.detail || response.statusText}`;
    }
  } catch (error) {
    message.dataset.outcome = "refused";
    message.textContent = `the cortex did not answer: ${error}`;
  }
}

function connect() {
  const connection = document.getElementById("connection");
  const events = new EventSource("/organism/events");
  events.addEventListener("open", () => { connection.dataset.state = "live"; connection.textContent = "live"; });
  events.addEventListener("error", () => { connection.dataset.state = "lost"; connection.textContent = "reconnecting…"; });
  events.addEventListener("snapshot", e => load(JSON.parse(e.data)));
  events.addEventListener("vitals", e => onVitals(JSON.parse(e.data)));
  events.addEventListener("hormone", e => onHormone(JSON.parse(e.data)));
  events.addEventListener("quarantines", e => { const q = JSON.parse(e.data); state.quarantines = q.quarantines; state.immuneError = q.immuneError; schedule(); });
}

document.addEventListener("DOMContentLoaded", () => {
  const key = document.getElementById("operator-key");
  key.value = sessionStorage.getItem("operator-key") || "";
  document.getElementById("pathogens").addEventListener("click", e => {
    const button = e.target.closest("button[data-pathogen]");
    if (button) switchPathogen(button);
  });
  // Cells publish vitals only for windows with activity: without any for a while a cell is idle. Redraw every second.
  setInterval(() => {
    for (const cell of state.cells.values()) {
      if (cell.vitals === "active" && Date.now() - new Date(cell.lastVitals).getTime() > 5000) cell.vitals = "idle";
    }
    schedule();
  }, 1000);
  connect();
});
