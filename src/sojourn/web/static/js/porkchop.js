// The porkchop explorer: C3 contours, TOF lines, arrival v∞, best points; hover and click a cell.
import { $, el, num, date, minute, table, showError, kv, fillBodies, writeHash, decode, baseLayout, PLOT_CONFIG, COLORS, BODY_COLORS } from "./ui.js";
import { Job, getJSON, ApiError } from "./api.js";

const SYNODIC_DAYS = 779.94;          // Earth–Mars synodic period, days
const REF_LAUNCH = Date.UTC(2026, 10, 13);  // the 2026 opportunity's least-C3 launch (sojourn windows, DE421)
const DAY_MS = 86400000;
const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
const title = (name) => ({ "earth-moon-barycenter": "Earth–Moon barycentre" }[name] || name.charAt(0).toUpperCase() + name.slice(1));

let grid = null;      // the decoded grid of the last porkchop
let job = null;

function opportunity(year) {
  // Launch and arrival windows around the least-C3 launch of an Earth–Mars opportunity.
  const n = Math.round((Date.UTC(year, 6, 1) - REF_LAUNCH) / (SYNODIC_DAYS * DAY_MS));
  const centre = REF_LAUNCH + n * SYNODIC_DAYS * DAY_MS;
  return { launch: [iso(centre - 73 * DAY_MS), iso(centre + 63 * DAY_MS)], arrive: [iso(centre + 200 * DAY_MS), iso(centre + 445 * DAY_MS)] };
}

function opportunityYears() {
  const years = [];
  for (let n = -3; n <= 12; n++) years.push(new Date(REF_LAUNCH + n * SYNODIC_DAYS * DAY_MS).getUTCFullYear());
  return years;
}

export function init(params) {
  fillBodies($("pc-from"), params.get("from") || "earth");
  fillBodies($("pc-to"), params.get("to") || "mars");
  $("pc-year").append(...opportunityYears().map((y) => el("option", { value: y, text: `${y} (Earth–Mars)` })));
  $("pc-year").addEventListener("change", () => {
    const y = Number($("pc-year").value);
    if (!y) return;
    const o = opportunity(y);
    [$("pc-launch0").value, $("pc-launch1").value] = o.launch;
    [$("pc-arrive0").value, $("pc-arrive1").value] = o.arrive;
  });
  const launch = (params.get("launch") || "").split(":");
  const arrive = (params.get("arrive") || "").split(":");
  if (launch.length === 2 && arrive.length === 2) {
    [$("pc-launch0").value, $("pc-launch1").value] = launch;
    [$("pc-arrive0").value, $("pc-arrive1").value] = arrive;
  } else {
    $("pc-year").value = "2026";
    $("pc-year").dispatchEvent(new Event("change"));
  }
  $("pc-step").value = params.get("step") || "";
  $("pc-c3max").value = params.get("c3") || "";
  $("pc-form").addEventListener("submit", (e) => { e.preventDefault(); compute(); });
  $("pc-c3max").addEventListener("change", () => { if (grid) draw(); });
}

export function show() { if (!grid) compute(); }

function query() {
  const q = {
    from: $("pc-from").value, to: $("pc-to").value,
    launch: `${$("pc-launch0").value}:${$("pc-launch1").value}`,
    arrive: `${$("pc-arrive0").value}:${$("pc-arrive1").value}`,
  };
  if ($("pc-step").value) q.step = $("pc-step").value;
  return q;
}

async function compute() {
  if (job) await job.cancel();
  const q = query();
  writeHash("porkchop", { ...q, c3: $("pc-c3max").value });
  showError($("pc-error"), null);
  $("pc-go").disabled = true;
  job = new Job($("pc-job"));
  try {
    const g = await job.run(`/api/porkchop/grid?${new URLSearchParams(q)}`);
    grid = unpack(g);
    draw();
    best();
  } catch (err) {
    if (err.status !== 409) showError($("pc-error"), err);
  } finally {
    $("pc-go").disabled = false;
  }
}

function unpack(g) {
  const out = { ...g, n: g.launch.dates.length, m: g.arrival.dates.length, f: {} };
  for (const [k, v] of Object.entries(g.fields)) out.f[k] = decode(v, Float32Array);
  out.type = decode(g.transfer_type, Uint8Array);
  return out;
}

const niceStep = (span, target) => {
  const raw = span / target, p = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw) || 10 * p;
};

function field(name, cap) {
  // rows = arrival dates (y), columns = launch dates (x); null beyond the C3 cap or without a solution
  const { n, m, f } = grid;
  const src = f[name], c3 = f.c3_launch;
  const z = new Array(m);
  for (let j = 0; j < m; j++) {
    const row = new Array(n);
    for (let i = 0; i < n; i++) {
      const k = i * m + j;
      row[i] = Number.isNaN(src[k]) || !(c3[k] <= cap) ? null : src[k];
    }
    z[j] = row;
  }
  return z;
}

function range(arr, cap) {
  let lo = Infinity, hi = -Infinity;
  const c3 = grid.f.c3_launch;
  for (let k = 0; k < arr.length; k++) {
    const v = arr[k];
    if (Number.isNaN(v) || !(c3[k] <= cap)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function c3Cap() {
  const asked = Number($("pc-c3max").value);
  if (asked > 0) return asked;
  const [lo, hi] = range(grid.f.c3_launch, Infinity);
  return Math.min(hi, Math.ceil(Math.max(4 * lo, lo + 30) / 5) * 5);
}

function draw() {
  const cap = c3Cap();
  const x = grid.launch.dates, y = grid.arrival.dates;
  const [c3lo] = range(grid.f.c3_launch, cap);
  const [vlo, vhi] = range(grid.f.vinf_arrival, cap);
  const [tlo, thi] = range(grid.f.tof_days, cap);
  const c3size = niceStep(cap - c3lo, 12), vsize = niceStep(vhi - vlo, 7), tsize = niceStep(thi - tlo, 7);
  const traces = [
    { type: "contour", x, y, z: field("c3_launch", cap), name: "C3", hoverinfo: "skip", connectgaps: false,
      colorscale: "YlGnBu", reversescale: true, zmin: c3lo, zmax: cap,
      contours: { start: Math.ceil(c3lo / c3size) * c3size, end: cap, size: c3size, coloring: "fill", showlabels: true,
        labelfont: { size: 10, color: "#1b2230" } },
      line: { width: 0.6, color: "rgba(27,34,48,0.35)" },
      colorbar: { title: { text: "launch C3<br>km²/s²", side: "top" }, thickness: 14, len: 0.9 } },
    { type: "contour", x, y, z: field("vinf_arrival", cap), name: "arrival v∞ (km/s)", hoverinfo: "skip", showscale: false,
      contours: { start: Math.ceil(vlo / vsize) * vsize, end: vhi, size: vsize, coloring: "lines", showlabels: true,
        labelfont: { size: 10, color: COLORS.bad } },
      line: { width: 1.2, color: COLORS.bad }, colorscale: [[0, COLORS.bad], [1, COLORS.bad]], connectgaps: false },
    { type: "contour", x, y, z: field("tof_days", cap), name: "time of flight (days)", hoverinfo: "skip", showscale: false,
      contours: { start: Math.ceil(tlo / tsize) * tsize, end: thi, size: tsize, coloring: "lines", showlabels: true,
        labelfont: { size: 10, color: "#444" } },
      line: { width: 0.9, dash: "dot", color: "#555" }, colorscale: [[0, "#555"], [1, "#555"]], connectgaps: false },
    { type: "heatmap", x, y, z: field("tof_days", Infinity), opacity: 0, showscale: false, hoverinfo: "none", name: "cells" },
    bestTrace(),
    { type: "scatter", mode: "markers", x: [], y: [], hoverinfo: "skip", name: "selected",
      marker: { size: 16, symbol: "circle-open", color: COLORS.bad, line: { width: 3 } } },
  ];
  const layout = baseLayout({
    margin: { l: 78, r: 10, t: 10, b: 56 },
    xaxis: { title: { text: "launch date (UTC)" }, type: "date", showgrid: false },
    yaxis: { title: { text: "arrival date (UTC)" }, type: "date", showgrid: false },
    showlegend: false,
    hovermode: "closest",
  });
  const chart = $("pc-chart");
  Plotly.react(chart, traces, layout, PLOT_CONFIG).then(() => {
    if (chart.__wired) return;
    chart.__wired = true;
    chart.on("plotly_hover", (ev) => tip(ev));
    chart.on("plotly_unhover", () => { $("pc-tip").hidden = true; });
    chart.on("plotly_click", (ev) => pick(ev));
  });
  $("pc-hint").textContent = `Filled contours: launch C3 up to ${num(cap, 0)} km²/s² (every ${c3size}). Red lines: arrival v∞ every ${vsize} km/s. Dotted lines: time of flight every ${tsize} days. Hover for a cell's numbers; click it for its transfer.`;
}

function bestTrace() {
  const b = grid.summary.best;
  return {
    type: "scatter", mode: "markers+text", x: b.map((r) => r.launch_utc), y: b.map((r) => r.arrival_utc), hoverinfo: "skip",
    text: b.map((r) => `${r.transfer_type}: ${r.criterion === "min_c3" ? `C3 ${num(r.c3, 1)}` : `v∞ ${num(r.vinf_arrival, 2)}`}`),
    textposition: b.map((r) => (r.transfer_type === "I" ? "bottom right" : "top left")), textfont: { size: 11, color: "#101827" },
    marker: { size: 11, symbol: b.map((r) => (r.criterion === "min_c3" ? "star" : "diamond")), color: "#fff",
      line: { width: 2, color: "#101827" } },
    name: "best",
  };
}

function cellAt(ev) {
  const p = ev.points && ev.points.find((q) => q.data.name === "cells");
  if (!p) return null;
  const [j, i] = Array.isArray(p.pointNumber) ? p.pointNumber : [p.pointIndex?.[0], p.pointIndex?.[1]];
  if (i === undefined || j === undefined) return null;
  const k = i * grid.m + j;
  const f = grid.f;
  return {
    i, j, launch: grid.launch.dates[i], arrival: grid.arrival.dates[j], type: ["—", "I", "II"][grid.type[k]],
    tof: f.tof_days[k], c3: f.c3_launch[k], vinfDep: f.vinf_departure[k], vinfArr: f.vinf_arrival[k], dla: f.dla_deg[k],
  };
}

function tip(ev) {
  const c = cellAt(ev);
  const box = $("pc-tip");
  if (!c) { box.hidden = true; return; }
  const lines = [`launch ${date(c.launch)}   arrival ${date(c.arrival)}`,
    Number.isNaN(c.c3) ? "no ballistic transfer" : `TOF ${num(c.tof, 0)} d · type ${c.type}`,
    Number.isNaN(c.c3) ? "" : `C3 ${num(c.c3)} km²/s² · v∞ dep ${num(c.vinfDep)} km/s`,
    Number.isNaN(c.c3) ? "" : `v∞ arr ${num(c.vinfArr)} km/s · DLA ${num(c.dla, 1)}°`].filter(Boolean);
  box.replaceChildren(...lines.map((t) => el("div", { text: t })));
  const panel = box.parentElement.getBoundingClientRect();
  const x = ev.event.clientX - panel.left, yy = ev.event.clientY - panel.top;
  box.style.left = `${Math.min(x + 16, panel.width - 260)}px`;
  box.style.top = `${yy + 14}px`;
  box.hidden = false;
}

async function pick(ev) {
  const c = cellAt(ev);
  if (!c) return;
  const q = { from: $("pc-from").value, to: $("pc-to").value, launch: c.launch, arrive: c.arrival };
  const chart = $("pc-chart");
  Plotly.restyle(chart, { x: [[c.launch]], y: [[c.arrival]] }, [chart.data.length - 1]);
  const box = $("pc-cell");
  box.replaceChildren(el("p", { class: "muted", text: `Transfer ${date(c.launch)} → ${date(c.arrival)} …` }));
  try {
    const t = await getJSON(`/api/transfer?${new URLSearchParams(q)}`);
    const leg = t.leg;
    box.replaceChildren(kv([
      ["launch", `${minute(leg.depart)} UTC`], ["arrival", `${minute(leg.arrive)} UTC`],
      ["time of flight", num(leg.tof_days, 1, "days")], ["type", leg.transfer_type],
      ["launch C3", num(leg.c3, 2, "km²/s²")], ["departure v∞", num(leg.vinf_departure, 3, "km/s")],
      ["arrival v∞", num(leg.vinf_arrival, 3, "km/s")], ["DLA", num(leg.dla_deg, 1, "°")],
      ["entry speed at 125 km", num(leg.entry_speed_kms, 2, "km/s")],
    ]));
    box.dataset.launch = leg.depart;
    trajectory(t);
  } catch (err) {
    box.replaceChildren(el("p", { class: "error", text: err instanceof ApiError ? `${err.message}${err.where ? ` (${err.where})` : ""}` : String(err) }));
    Plotly.purge($("pc-traj"));
  }
}

function trajectory(t) {
  const p = t.path, leg = t.leg;
  const xs = (a) => a.map((r) => r[0]), ys = (a) => a.map((r) => r[1]);
  const oc = BODY_COLORS[leg.from] || "#888", dc = BODY_COLORS[leg.to] || "#888";
  const last = p.craft.length - 1;
  const traces = [
    { x: xs(p.origin_orbit), y: ys(p.origin_orbit), mode: "lines", line: { color: oc, width: 1 }, name: `${leg.from} orbit`, hoverinfo: "skip" },
    { x: xs(p.destination_orbit), y: ys(p.destination_orbit), mode: "lines", line: { color: dc, width: 1 }, name: `${leg.to} orbit`, hoverinfo: "skip" },
    { x: xs(p.craft), y: ys(p.craft), mode: "lines", line: { color: COLORS.out, width: 2.5 }, name: "transfer",
      text: p.dates.map(minute), hovertemplate: "%{text} UTC<br>x %{x:.3f} AU, y %{y:.3f} AU<extra>transfer</extra>" },
    { x: [0], y: [0], mode: "markers", marker: { color: COLORS.sun, size: 14 }, name: "Sun", hoverinfo: "name" },
    { x: [p.origin[0][0]], y: [p.origin[0][1]], mode: "markers+text", marker: { color: oc, size: 10 }, text: [`${title(leg.from)} at launch`], textposition: "bottom center", name: leg.from, hoverinfo: "skip" },
    { x: [p.destination[last][0]], y: [p.destination[last][1]], mode: "markers+text", marker: { color: dc, size: 10 }, text: [`${title(leg.to)} at arrival`], textposition: "top center", name: leg.to, hoverinfo: "skip" },
  ];
  Plotly.react($("pc-traj"), traces, baseLayout({
    margin: { l: 50, r: 10, t: 10, b: 40 }, showlegend: false,
    xaxis: { title: { text: "x (AU)" }, zeroline: false }, yaxis: { title: { text: "y (AU)" }, scaleanchor: "x", zeroline: false },
  }), PLOT_CONFIG);
}

function best() {
  const s = grid.summary;
  const rows = s.best.map((r) => ({ ...r, by: r.criterion === "min_c3" ? "least C3" : "least v∞ arr" }));
  $("pc-best").replaceChildren(table([
    { key: "transfer_type", label: "type" }, { key: "by", label: "best by" },
    { key: "launch_utc", label: "launch (UTC)", fmt: minute }, { key: "arrival_utc", label: "arrival (UTC)", fmt: minute },
    { key: "tof_days", label: "TOF", unit: "d", kind: "num", digits: 0 },
    { key: "c3", label: "C3", unit: "km²/s²", kind: "num" },
    { key: "vinf_arrival", label: "v∞ arr", unit: "km/s", kind: "num" },
    { key: "dla_deg", label: "DLA", unit: "°", kind: "num", digits: 1 },
  ], rows));
  const ridge = s.ridge_cells ? ` Best transfers leave out the ${s.ridge_cells.toLocaleString("en-GB")} cells within ${s.ridge_deg}° of a 180° transfer angle, as the opportunities table does.` : "";
  const stride = grid.stride[0] > 1 ? ` The chart shows every ${grid.stride[0]}th date.` : "";
  $("pc-meta").textContent = `${s.from} → ${s.to} (${s.departure_point}, ${s.ephemeris}): ${s.solved.toLocaleString("en-GB")} of ${s.cells.toLocaleString("en-GB")} cells solved, step ${s.step_days} d.${ridge}${stride}`;
}
