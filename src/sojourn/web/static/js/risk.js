// What goes wrong: the race against a second scenario, aborts from every day of each transit,
// and the diff of two scenarios with each moved event attributed.
import { $, el, num, date, minute, table, showError, kv, baseLayout, PLOT_CONFIG, COLORS, getJSONSafe } from "./ui.js";
import { Job } from "./api.js";
import * as planner from "./planner.js";

let other = { name: "", text: "" };
let job = null;

export async function init(params) {
  const examples = (await getJSONSafe("/api/examples")) || [];
  $("risk-example").append(...examples.map((e) => el("option", { value: e.name, text: `${e.title} (${e.name}.toml)`, title: e.description })));
  $("risk-example").addEventListener("change", () => loadOther($("risk-example").value));
  $("risk-file").addEventListener("change", async () => {
    const f = $("risk-file").files[0];
    if (!f) return;
    other = { name: f.name, text: await f.text() };
    $("risk-b-name").textContent = `second scenario: ${f.name}`;
  });
  const wanted = params.get("other") || "us-fast";
  if (examples.some((e) => e.name === wanted)) { $("risk-example").value = wanted; await loadOther(wanted); }
  $("race-go").addEventListener("click", () => run("race"));
  $("aborts-go").addEventListener("click", () => run("aborts"));
  $("diff-go").addEventListener("click", () => run("diff"));
}

export function show() {
  const p = planner.planned();
  $("risk-a-name").textContent = p ? `${p.plan.scenario}, launching ${date(p.plan.launch)}` : "the scenario in the planner's editor";
}

async function loadOther(name) {
  const r = await fetch(`/api/examples/${encodeURIComponent(name)}`);
  other = { name: `${name}.toml`, text: await r.text() };
  $("risk-b-name").textContent = "";
}

async function run(what) {
  if (job) await job.cancel();
  showError($("risk-error"), null);
  const a = planner.scenarioText();
  const json = (body) => ({ method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  const requests = {
    race: [`/api/race`, json({ scenario: a, other: other.text, step: Number($("race-step").value) || 1 })],
    aborts: [`/api/aborts?${new URLSearchParams({ step: $("aborts-step").value || "2" })}`,
      { method: "POST", body: a, headers: { "Content-Type": "application/toml" } }],
    diff: [`/api/diff`, json({ scenario: a, other: other.text })],
  };
  for (const b of ["race-go", "aborts-go", "diff-go"]) $(b).disabled = true;
  job = new Job($("risk-job"));
  try {
    const doc = await job.run(...requests[what]);
    ({ race, aborts, diff })[what](doc);
  } catch (err) {
    if (err.status !== 409) showError($("risk-error"), err);
  } finally {
    for (const b of ["race-go", "aborts-go", "diff-go"]) $(b).disabled = false;
  }
}

function panel(title, ...children) {
  return el("div", { class: "panel" }, el("h3", { text: title }), ...children);
}

// ------------------------------------------------------------------------------------ race

function race(r) {
  const chart = el("div", { class: "chart short", id: "race-chart" });
  const wins = r.wins || [];
  $("risk-out").replaceChildren(panel(`The race: ${r.b_name} against ${r.a_name}`,
    el("p", { class: r.b_can_win ? "" : "muted", text: r.message }),
    kv([[`${r.a_name} launches`, `${minute(r.a_launch)} UTC`], [`${r.a_name} reaches Mars`, `${minute(r.a_arrival)} UTC`],
      [`${r.b_name}'s limits`, `C3 ≤ ${num(r.b.max_c3, 1)} km²/s², Δv ≤ ${num(r.b.max_dv_kms, 2)} km/s`],
      ["last winning launch", r.last_winning_launch ? `${minute(r.last_winning_launch)} UTC` : "—"]]),
    chart,
    el("div", { class: "table-wrap scroll" }, table([
      { key: "launch", label: "B launches", fmt: minute }, { key: "arrival", label: "B arrives", unit: "UTC", fmt: minute },
      { key: "tof_days", label: "TOF", unit: "d", kind: "num", digits: 1 }, { key: "c3", label: "C3", unit: "km²/s²", kind: "num" },
      { key: "dv_total_kms", label: "Δv", unit: "km/s", kind: "num" }, { key: "margin_days", label: "ahead of A", unit: "d", kind: "num", digits: 1 },
      { key: "transfer_type", label: "type" },
    ], wins))));
  if (!wins.length) { chart.remove(); return; }
  Plotly.newPlot(chart, [
    { x: wins.map((w) => w.launch), y: wins.map((w) => w.margin_days), type: "bar", name: "days ahead of A",
      marker: { color: wins.map((w) => w.dv_total_kms), colorscale: "Viridis", colorbar: { title: { text: "Δv km/s" }, thickness: 12 } },
      hovertemplate: "B launches %{x}<br>%{y:.1f} d ahead of A<extra></extra>" },
  ], baseLayout({ xaxis: { type: "date", title: { text: "B's launch (UTC)" } }, yaxis: { title: { text: "B arrives ahead of A (days)" } },
    margin: { l: 60, r: 10, t: 10, b: 44 } }), PLOT_CONFIG);
}

// ------------------------------------------------------------------------------------ aborts

function aborts(a) {
  const chart = el("div", { class: "chart short", id: "aborts-chart" });
  const legs = a.legs.map((l) => l.leg);
  const colors = { outbound: COLORS.out, return: COLORS.ret };
  const cov = Object.entries(a.coverage).map(([leg, c]) => ({ leg, ...c, pct: 100 * c.fraction }));
  $("risk-out").replaceChildren(panel(`Aborts: ${a.scenario}`,
    el("p", { class: "muted small", text: "For each day of each transit: the Δv of the cheapest direct return to Earth, against the Δv the vessel has left. A day is covered when some way home fits." }),
    chart,
    el("div", { class: "table-wrap" }, table([
      { key: "leg", label: "leg" }, { key: "covered_days", label: "days covered", kind: "num", digits: 0 },
      { key: "total_days", label: "of", kind: "num", digits: 0 }, { key: "pct", label: "covered", unit: "%", kind: "num", digits: 0 },
      { key: "longest_gap_days", label: "longest gap", unit: "d", kind: "num", digits: 0 },
      { key: "gap_start", label: "gap from", fmt: date }, { key: "gap_end", label: "to", fmt: date },
    ], cov)),
    el("details", {}, el("summary", { text: "Assumptions" }), el("ul", {}, a.assumptions.map((t) => el("li", { text: t }))))));
  const traces = [];
  for (const leg of legs) {
    const days = a.days.filter((d) => d.leg === leg);
    traces.push({ x: days.map((d) => d.date), y: days.map((d) => (d.direct ? d.direct.cheapest_dv_kms : null)), mode: "lines",
      name: `${leg}: cheapest direct return`, line: { color: colors[leg] || COLORS.muted, width: 2 },
      hovertemplate: "%{x}<br>%{y:.2f} km/s<extra>" + leg + "</extra>" });
    traces.push({ x: days.map((d) => d.date), y: days.map((d) => d.dv_left_kms), mode: "lines", name: `${leg}: Δv left`,
      line: { color: colors[leg] || COLORS.muted, dash: "dash", width: 1.5 }, hovertemplate: "%{x}<br>Δv left %{y:.2f} km/s<extra></extra>" });
    const bare = days.filter((d) => !d.covered);
    traces.push({ x: bare.map((d) => d.date), y: bare.map(() => 0), mode: "markers", name: `${leg}: no way home`,
      marker: { color: COLORS.bad, symbol: "line-ns-open", size: 10 }, hovertemplate: "%{x}: no affordable way home<extra></extra>" });
  }
  Plotly.newPlot(chart, traces, baseLayout({ xaxis: { type: "date", title: { text: "abort day (UTC)" } },
    yaxis: { title: { text: "Δv (km/s)" }, rangemode: "tozero" }, legend: { orientation: "h", y: 1.2 }, margin: { l: 60, r: 10, t: 30, b: 44 } }), PLOT_CONFIG);
}

// ------------------------------------------------------------------------------------ diff

function diff(d) {
  const side = (s) => (s.feasible ? `launch ${date(s.launch)}, ${num(s.total_dv_kms, 3)} km/s, ${num(s.total_days, 0)} days` : `no feasible plan (${s.binding_constraint || "?"})`);
  $("risk-out").replaceChildren(panel("Diff",
    kv([["A (the planner's scenario)", side(d.a)], [`B (${other.name})`, side(d.b)],
      ["first divergence", d.first_divergence ? `${d.first_divergence.name}: ${num(d.first_divergence.moved_days, 1)} d` : "none"]]),
    el("h3", { text: "Inputs changed" }),
    el("div", { class: "table-wrap" }, table([
      { key: "key", label: "key" }, { key: "a", label: "A", fmt: (v) => JSON.stringify(v) }, { key: "b", label: "B", fmt: (v) => JSON.stringify(v) },
      { key: "alone", label: "alone, it …" },
    ], d.inputs_changed)),
    el("h3", { text: "Events" }),
    el("div", { class: "table-wrap" }, table([
      { key: "name", label: "event" }, { key: "a_date", label: "A", unit: "UTC", fmt: minute }, { key: "b_date", label: "B", unit: "UTC", fmt: minute },
      { key: "moved_days", label: "moved", unit: "d", kind: "num", digits: 1 },
      { key: "attributed_to", label: "attributed to", fmt: (v, r) => (v && v.length ? v.join(", ") : "—") + (r.combination_only ? " (only together)" : "") },
      { key: "status", label: "status" },
    ], d.events))));
}
