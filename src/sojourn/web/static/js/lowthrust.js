// Low thrust: the best electric-propulsion leg in a window (screened by estimate, optimised, verified),
// its thrust profile, its path with the thrust arcs, and the estimate it was picked from.
import { $, el, num, date, minute, table, showError, card, fillBodies, writeHash, baseLayout, PLOT_CONFIG, COLORS, BODY_COLORS } from "./ui.js";
import { Job } from "./api.js";

const THRUST = "#d9480f";   // thrust arcs, as in sojourn's figures (sojourn.plot._lowthrust.THRUST_COLOR)
const MASS = "#1f4e9a";
const title = (name) => (name ? name.charAt(0).toUpperCase() + name.slice(1) : "");

// pykep's Earth–Mars Sims–Flanagan tutorial, over its best season (launches in MJD2000 7360–8300 of the tutorial).
const DEFAULTS = { from: "earth", to: "mars", launch0: "2020-04-01", launch1: "2020-07-31", tof0: "250", tof1: "350",
  mass: "1500", thrust: "0.6", isp: "3000", vinf: "0", law: "constant", step: "5", candidates: "2", segments: "" };
const FIELDS = { launch0: "lt-launch0", launch1: "lt-launch1", tof0: "lt-tof0", tof1: "lt-tof1", mass: "lt-mass",
  thrust: "lt-thrust", isp: "lt-isp", vinf: "lt-vinf", law: "lt-law", step: "lt-step", candidates: "lt-candidates",
  segments: "lt-segments" };

let job = null;
let result = null;

export function init(params) {
  fillBodies($("lt-from"), params.get("from") || DEFAULTS.from);
  fillBodies($("lt-to"), params.get("to") || DEFAULTS.to);
  for (const [key, id] of Object.entries(FIELDS)) $(id).value = params.get(key) ?? DEFAULTS[key];
  $("lt-form").addEventListener("submit", (e) => { e.preventDefault(); compute(); });
  init.auto = params.get("run") === "1";
}

export function show() {
  if (init.auto && !result) { init.auto = false; compute(); }
}

function query() {
  const v = (id) => $(id).value.trim();
  const q = {
    from: $("lt-from").value, to: $("lt-to").value,
    launch: v("lt-launch1") ? `${v("lt-launch0")}:${v("lt-launch1")}` : v("lt-launch0"),
    tof: v("lt-tof1") ? `${v("lt-tof0")}:${v("lt-tof1")}` : v("lt-tof0"),
    mass: v("lt-mass"), thrust: v("lt-thrust"), isp: v("lt-isp"), vinf_max: v("lt-vinf") || "0",
    power_law: $("lt-law").value, step: v("lt-step") || "2", candidates: v("lt-candidates") || "3",
  };
  if (v("lt-segments")) q.segments = v("lt-segments");
  return q;
}

async function compute() {
  if (job) await job.cancel();
  const state = { from: $("lt-from").value, to: $("lt-to").value };
  for (const [key, id] of Object.entries(FIELDS)) state[key] = $(id).value;
  writeHash("lowthrust", state);
  showError($("lt-error"), null);
  $("lt-go").disabled = true;
  job = new Job($("lt-job"));
  try {
    result = await job.run(`/api/lowthrust?${new URLSearchParams(query())}`);
    render(result);
  } catch (err) {
    if (err.status !== 409) showError($("lt-error"), err);
  } finally {
    $("lt-go").disabled = false;
  }
}

function render(r) {
  $("lt-results").hidden = false;
  const p = r.propulsion;
  const arcs = r.plot.profile.thrust_arcs;
  const thrusting = arcs.reduce((s, a) => s + a.end_days - a.start_days, 0);
  $("lt-cards").replaceChildren(
    card("Launch", date(r.launch), `${minute(r.launch)} UTC · v∞ ${num(r.vinf_departure_kms, 2)} km/s`),
    card("Arrival", date(r.arrival), `${num(r.tof_days, 1)} days of flight`),
    card("Final mass", num(r.final_mass_kg, 1, "kg"), `of ${num(r.initial_mass_kg, 0)} kg at departure`),
    card("Propellant", num(r.propellant_kg, 1, "kg"), `Δv ${num(r.delta_v_kms, 3)} km/s`),
    card("Thrust arcs", String(arcs.length), `${num(thrusting, 0)} of ${num(r.tof_days, 0)} days thrusting`),
    card("Engine", `${num(p.thrust_n, 3)} N`, `Isp ${num(p.isp_s, 0)} s · ${p.power_law === "constant" ? "constant thrust" : "solar 1/r²"}`),
    card("Verified", r.converged ? `${num(r.landing_error_km, 2)} km` : "no", r.converged ? `and ${num(1000 * r.landing_error_ms, 3)} mm/s from the target (DOP853)` : r.message,
      r.converged ? "" : "bad"),
  );
  $("lt-message").textContent = `${r.segments} segments; ${r.optimal ? "optimal by SLSQP's test" : "feasible and verified (SLSQP did not confirm optimality)"}. ${r.message}`;
  profile(r);
  path(r);
  const search = r.plot.estimate !== null;
  $("lt-search").hidden = !search;
  if (search) { estimate(r); candidates(r); }
}

function profile(r) {
  const pr = r.plot.profile;
  const end = pr.t_start_days[pr.t_start_days.length - 1] + pr.segment_days;
  const x = [...pr.t_start_days, end];
  const last = (a) => [...a, a[a.length - 1]];
  Plotly.react($("lt-profile"), [
    { x, y: last(pr.thrust_n), mode: "lines", line: { shape: "hv", color: THRUST, width: 2 }, fill: "tozeroy",
      fillcolor: "rgba(217,72,15,0.25)", name: "thrust flown", hovertemplate: "day %{x:.0f}<br>%{y:.3f} N<extra>thrust</extra>" },
    { x, y: last(pr.available_thrust_n), mode: "lines", line: { shape: "hv", color: COLORS.muted, width: 1.2, dash: "dash" },
      name: "thrust available", hovertemplate: "day %{x:.0f}<br>%{y:.3f} N<extra>available</extra>" },
    { x: pr.t_days, y: pr.mass_kg, mode: "lines", line: { color: MASS, width: 1.5 }, name: "mass", yaxis: "y2",
      hovertemplate: "day %{x:.1f}<br>%{y:.1f} kg<extra>mass</extra>" },
  ], baseLayout({
    margin: { l: 56, r: 64, t: 10, b: 44 }, legend: { orientation: "h", y: 1.15 },
    xaxis: { title: { text: "days from departure" }, range: [0, end] },
    yaxis: { title: { text: "thrust (N)" }, rangemode: "tozero" },
    yaxis2: { title: { text: "mass (kg)", font: { color: MASS } }, overlaying: "y", side: "right", showgrid: false,
      tickfont: { color: MASS } },
  }), PLOT_CONFIG);
}

function path(r) {
  const pa = r.plot.path;
  const xs = (a) => a.map((p) => p[0]), ys = (a) => a.map((p) => p[1]);
  const oc = BODY_COLORS[r.departure] || COLORS.earth, dc = BODY_COLORS[r.destination] || COLORS.mars;
  // thrusting stretches drawn over the coast, with gaps (null) where the engine is off
  const on = pa.craft.map((p, i) => (pa.thrusting[i] || (i > 0 && pa.thrusting[i - 1]) ? p : [null, null]));
  const reach = Math.max(...pa.craft.map((p) => Math.hypot(p[0], p[1])));
  const arrows = pa.arrows.start.flatMap((s, k) => {
    const d = pa.arrows.direction[k], len = 0.09 * reach * pa.arrows.throttle[k];
    return [[s[0], s[1]], [s[0] + d[0] * len, s[1] + d[1] * len], [null, null]];
  });
  const traces = [
    { x: xs(pa.origin_orbit), y: ys(pa.origin_orbit), mode: "lines", line: { color: oc, width: 1, dash: "dot" }, name: `${title(r.departure)}'s orbit`, hoverinfo: "skip" },
    { x: xs(pa.destination_orbit), y: ys(pa.destination_orbit), mode: "lines", line: { color: dc, width: 1, dash: "dot" }, name: `${title(r.destination)}'s orbit`, hoverinfo: "skip" },
    { x: xs(pa.craft), y: ys(pa.craft), mode: "lines", line: { color: COLORS.muted, width: 1.3 }, name: "coast",
      text: pa.dates.map(minute), hovertemplate: "%{text} UTC<extra>path</extra>" },
    { x: xs(on), y: ys(on), mode: "lines", line: { color: THRUST, width: 4 }, name: "thrust arc", hoverinfo: "skip", connectgaps: false },
    { x: xs(arrows), y: ys(arrows), mode: "lines", line: { color: THRUST, width: 1.2 }, name: "thrust direction", hoverinfo: "skip", connectgaps: false },
    { x: [0], y: [0], mode: "markers", marker: { color: COLORS.sun, size: 14 }, name: "Sun", hoverinfo: "name" },
    { x: [pa.origin[0]], y: [pa.origin[1]], mode: "markers+text", marker: { color: oc, size: 10 }, text: [`${title(r.departure)} ${date(r.launch)}`],
      textposition: "bottom center", name: title(r.departure), hoverinfo: "skip", showlegend: false },
    { x: [pa.destination[0]], y: [pa.destination[1]], mode: "markers+text", marker: { color: dc, size: 10 }, text: [`${title(r.destination)} ${date(r.arrival)}`],
      textposition: "top center", name: title(r.destination), hoverinfo: "skip", showlegend: false },
  ];
  Plotly.react($("lt-path"), traces, baseLayout({
    margin: { l: 50, r: 10, t: 10, b: 40 }, legend: { orientation: "h", y: -0.14 },
    xaxis: { title: { text: "x (AU)" }, zeroline: false }, yaxis: { title: { text: "y (AU)" }, scaleanchor: "x", zeroline: false },
  }), PLOT_CONFIG);
}

function estimate(r) {
  const e = r.plot.estimate;
  // rows: times of flight (y), columns: launch dates (x)
  const z = e.tof_days.map((_, j) => e.launch.map((__, i) => e.final_mass_kg[i][j]));
  const tried = (r.candidates || []).filter((c) => c.launch);
  Plotly.react($("lt-estimate"), [
    { type: "heatmap", x: e.launch, y: e.tof_days, z, colorscale: "Viridis", hoverongaps: false,
      colorbar: { title: { text: "kg", side: "top" }, thickness: 12 },
      hovertemplate: "launch %{x}<br>%{y:.0f} d<br>%{z:.1f} kg<extra>estimate</extra>" },
    { x: tried.map((c) => c.launch), y: tried.map((c) => c.tof_days), mode: "markers", name: "optimiser starts",
      marker: { symbol: "circle-open", size: 12, color: "#101827", line: { width: 2 } }, hoverinfo: "skip" },
    { x: [r.launch], y: [r.tof_days], mode: "markers", name: "optimised leg", marker: { symbol: "star", size: 16, color: "#c2185b", line: { color: "#fff", width: 1 } },
      hovertemplate: `optimised: ${num(r.final_mass_kg, 1)} kg after ${num(r.tof_days, 0)} d<extra></extra>` },
  ], baseLayout({
    margin: { l: 56, r: 10, t: 10, b: 44 }, legend: { orientation: "h", y: 1.16 }, plot_bgcolor: "#e6e6e6",
    xaxis: { type: "date", title: { text: "launch (UTC)" } }, yaxis: { title: { text: "time of flight (days)" } },
  }), PLOT_CONFIG);
}

function candidates(r) {
  $("lt-candidates-table").replaceChildren(table([
    { key: "launch", label: "start: launch", fmt: date }, { key: "tof_days", label: "TOF", unit: "d", kind: "num", digits: 0 },
    { key: "estimate_final_mass_kg", label: "estimate", unit: "kg", kind: "num", digits: 0 },
    { key: "launch_found", label: "launch found", fmt: date }, { key: "tof_days_found", label: "TOF", unit: "d", kind: "num", digits: 1 },
    { key: "final_mass_kg", label: "final mass", unit: "kg", fmt: (v, row) => (row.converged ? num(v, 1) : "not converged") },
  ], r.candidates || []), el("p", { class: "muted small", text: r.plot.estimate.method }));
}
