// The mission planner: a scenario in an editor (checked as you type, errors at their key and line),
// planned into cards, a timeline, the Δv budget, an animated flight, the crew's dose and blackouts,
// the runners-up and downloads.
import { $, el, num, date, minute, table, showError, card, kv, writeHash, baseLayout, PLOT_CONFIG, COLORS, BODY_COLORS, getJSONSafe } from "./ui.js";
import { Job, postText, ApiError, saveResponse } from "./api.js";
import { Editor } from "./editor.js";

const THRUST = "#d9480f";   // electric thrust arcs, as in sojourn's figures
const title = (name) => ({ "earth-moon-barycenter": "Earth–Moon barycentre" }[name] || name.charAt(0).toUpperCase() + name.slice(1));

let editor = null;
let job = null;
let checkTimer = null;
let current = null;   // {text, plan, flight, crew}
let player = { timer: null, i: 0 };
const listeners = [];

export const onPlanned = (fn) => listeners.push(fn);
export const scenarioText = () => (editor ? editor.text : "");
export const planned = () => current;

export async function init(params) {
  editor = new Editor($("plan-editor"), () => { clearTimeout(checkTimer); checkTimer = setTimeout(check, 450); });
  const examples = (await getJSONSafe("/api/examples")) || [];
  $("plan-example").append(...examples.map((e) => el("option", { value: e.name, text: `${e.title} (${e.name}.toml)`, title: e.description })));
  $("plan-example").addEventListener("change", () => loadExample($("plan-example").value));
  $("plan-file").addEventListener("change", async () => {
    const f = $("plan-file").files[0];
    if (!f) return;
    editor.text = await f.text();
    $("plan-example").value = "";
    writeHash("plan", {});
    check();
  });
  $("plan-go").addEventListener("click", () => plan());
  $("plan-play").addEventListener("click", () => toggle());
  $("plan-slider").addEventListener("input", () => { stop(); frame(Number($("plan-slider").value)); });
  for (const b of document.querySelectorAll("[data-download]")) b.addEventListener("click", () => download(b.dataset.download));
  const wanted = params.get("example") || "ulysses";
  if (examples.some((e) => e.name === wanted)) {
    $("plan-example").value = wanted;
    await loadExample(wanted, false);
  }
  init.auto = params.get("run") === "1";
}

export function show() {
  if (init.auto && !current) { init.auto = false; plan(); }
}

async function loadExample(name, hash = true) {
  if (!name) return;
  const r = await fetch(`/api/examples/${encodeURIComponent(name)}`);
  editor.text = await r.text();
  if (hash) writeHash("plan", { example: name });
  showError($("plan-error"), null);
}

function stepQuery() {
  return $("plan-step").value ? `?${new URLSearchParams({ step: $("plan-step").value })}` : "";
}

async function check() {
  try {
    await postText("/api/scenario/check", editor.text);
    showError($("plan-error"), null);
    editor.mark(null);
    return true;
  } catch (err) {
    showScenarioError(err);
    return false;
  }
}

function showScenarioError(err) {
  showError($("plan-error"), err);
  if (err instanceof ApiError) editor.mark(err.line);
}

async function plan() {
  if (job) await job.cancel();
  stop();
  const text = editor.text;
  showError($("plan-error"), null);
  $("plan-go").disabled = true;
  job = new Job($("plan-job"));
  try {
    const p = await job.run(`/api/plan${stepQuery()}`, { method: "POST", body: text, headers: { "Content-Type": "application/toml" } });
    current = { text, plan: p, flight: null, crew: null };
    $("plan-download-state").textContent = "";  // a file saved for the plan before is not this plan's
    editor.mark(null);
    $("plan-results").hidden = false;
    render(p);
    const [flight, crew] = await Promise.allSettled([
      job.run(`/api/plan/flight${stepQuery()}`, { method: "POST", body: text, headers: { "Content-Type": "application/toml" } }),
      job.run(`/api/plan/crew${stepQuery()}`, { method: "POST", body: text, headers: { "Content-Type": "application/toml" } }),
    ]);
    current.flight = flight.status === "fulfilled" ? flight.value : null;
    current.crew = crew.status === "fulfilled" ? crew.value : null;
    cards(p, current.crew);
    if (current.flight) { timeline(p, current.flight); details(p, current.flight); animate(current.flight, p); }
    dose(current.crew, crew.status === "rejected" ? crew.reason : null);
    listeners.forEach((fn) => fn(current));
  } catch (err) {
    if (err.status !== 409) showScenarioError(err);
  } finally {
    $("plan-go").disabled = false;
  }
}

function render(p) {
  cards(p, null);
  $("plan-warnings").replaceChildren(...p.warnings.map((w) => el("p", { text: `warning: ${w}` })));
  timeline(p);
  budget(p);
  details(p, null);
  alternatives(p);
  $("plan-assumptions").replaceChildren(...p.assumptions.map((a) => el("li", { text: a })));
}

const electric = (p) => p.legs.some((l) => l.lowthrust);

// Runners-up: the next-best round trips (an electric plan's keep the estimate's Δv: they are not flown).
function alternatives(p) {
  const est = electric(p);
  $("plan-alternatives-note").textContent = est ? "Δv by the low-thrust estimate (not flown; the optimised legs usually beat it)" : "";
  if (!p.alternatives.length) {
    $("plan-alternatives").replaceChildren(el("p", { class: "muted", text: est
      ? "No runner-up: the search kept no other round trip, launching a week or more from this one, that the estimate says this engine can fly within the constraints."
      : "No runner-up: no other round trip launching a week or more from this one meets the constraints." }));
    return;
  }
  $("plan-alternatives").replaceChildren(table([
    { key: "launch", label: "launch", fmt: date }, { key: "mars_arrival", label: "Mars arrival", fmt: date },
    { key: "mars_departure", label: "Mars departure", fmt: date }, { key: "earth_arrival", label: "Earth return", fmt: date },
    { key: "flyby_dates", label: "flybys", fmt: (v) => (v && v.length ? v.map(date).join(", ") : "—") },
    { key: "stay_days", label: "stay", unit: "d", kind: "num", digits: 0 },
    { key: "total_days", label: "total", unit: "d", kind: "num", digits: 0 },
    { key: "total_dv_kms", label: "Δv", unit: "km/s", kind: "num", digits: 3 },
  ], [{ launch: p.launch, mars_arrival: p.legs[0].arrive, mars_departure: p.legs[1].depart, earth_arrival: p.legs[1].arrive,
    flyby_dates: p.flybys.map((f) => f.date), stay_days: p.stay_days, total_days: p.total_days, total_dv_kms: p.total_dv_kms },
  ...p.alternatives]));
  const first = $("plan-alternatives").querySelector("tbody tr");
  if (first) first.firstChild.textContent += "  (chosen)";
}

function cards(p, crew) {
  const out = p.legs[0], ret = p.legs[1];
  const prop = p.propellant || {};
  const dose = crew && crew.summary ? crew.summary.dose : null;
  const comms = crew && crew.summary ? crew.summary.comms : null;
  const entry = ret.entry_speed_kms;
  $("plan-cards").replaceChildren(...[
    card("Launch", date(p.launch), `${minute(out.depart)} UTC · C3 ${num(out.c3, 1)} km²/s²`),
    card("Home again", date(ret.arrive), `${num(p.total_days, 0)} days · ${num(p.stay_days, 0)} at ${title(out.to)}`),
    card("Total Δv", num(p.total_dv_kms, 2, "km/s"), p.objective.replaceAll("_", " ")),
    card("Propellant", prop.total_propellant_kg != null ? num(prop.total_propellant_kg / 1000, 1, "t") : "—",
      prop.closes === false ? `does not close: ${prop.breaking_burn}` : "the budget closes", prop.closes === false ? "bad" : ""),
    card("Earth entry speed", num(entry, 2, "km/s"), "at the entry interface", entry > 12.5 ? "warn" : ""),
    card("Crew dose", dose ? num(dose.mission_msv, 0, "mSv") : "—",
      dose ? `${num(100 * dose.fraction_of_limit, 0)} % of the ${num(dose.career_limit_msv, 0)} mSv career limit` : "crew timeline pending",
      dose && dose.limit_crossed ? "bad" : ""),
    card("Longest blackout", comms ? num(comms.longest_blackout_days, 1, "days") : "—",
      comms ? `Sun–Earth–craft angle < ${comms.threshold_deg}°` : "solar conjunction"),
    ...p.flybys.map((f) => card(`${title(f.body)} flyby`, `${num(f.altitude_km, 0)} km`,
      `${minute(f.date)} UTC · turn ${num(f.turn_angle_deg, 1)}° · burn ${num(f.dv_kms, 3)} km/s`)),
    launchCard(p.launch_geometry),
    ...p.legs.filter((l) => l.lowthrust).map((l) => card(`Electric ${l.from === out.from ? "outbound" : "return"}`,
      num(l.lowthrust.propellant_kg / 1000, 1, "t"), `of propellant · Δv ${num(l.lowthrust.delta_v_kms, 2)} km/s · ${num(l.tof_days, 0)} d`)),
    p.surface ? card("On Mars", `${num(p.surface.stay_sols, 1)} sols`, `at ${p.surface.site.title.split(" (")[0]}; landing ${p.surface.landing.ltst.slice(0, 5)} LTST`,
      p.surface.in_dust_storm_season.length ? "warn" : "") : null,
    crew && crew.summary.clock ? card("Crew clocks", `${crew.summary.clock.ahead ? "+" : "−"}${num(Math.abs(crew.summary.clock.offset_ms), 1)} ms`,
      `${crew.summary.clock.ahead ? "ahead of" : "behind"} clocks on Earth at the end`) : null,
  ].filter(Boolean));
}

function launchCard(g) {
  if (!g) return null;
  const note = g.parking_inclination_deg == null ? "parking orbit inclination not given"
    : `from a ${num(g.parking_inclination_deg, 1)}° parking orbit: plane change ${num(g.plane_change_deg, 1)}°, +${num(g.dv_penalty_kms, 3)} km/s`;
  return card("Launch asymptote", `DLA ${num(g.dla_deg, 1)}°`, note, g.dv_penalty_kms > 0 ? "warn" : "");
}

function timeline(p, flight = null) {
  const out = p.legs[0], ret = p.legs[1];
  const ms = (iso) => new Date(`${iso}Z`).getTime();
  const spans = [
    ["outbound", out.depart, out.arrive, COLORS.out], [`at ${title(out.to)}`, out.arrive, ret.depart, COLORS.stay],
    ["return", ret.depart, ret.arrive, COLORS.ret],
  ];
  const traces = spans.map(([name, a, b, color]) => ({
    type: "bar", orientation: "h", y: ["mission"], base: [`${a}:00`.replace("T", " ")], x: [ms(b) - ms(a)],
    marker: { color }, name, text: [`${name}: ${num((ms(b) - ms(a)) / 86400000, 0)} d`], textposition: "inside",
    insidetextanchor: "middle", textfont: { color: "#fff" }, hovertemplate: `${name}<br>${minute(a)} → ${minute(b)} UTC<extra></extra>`,
  }));
  const arcs = flight ? flight.thrust_arcs : [];
  if (arcs.length) {
    traces.push({
      type: "bar", orientation: "h", y: arcs.map(() => "thrust"), base: arcs.map((a) => a.start.replace("T", " ")),
      x: arcs.map((a) => ms(a.end) - ms(a.start)), marker: { color: THRUST }, name: "electric thrust",
      hovertemplate: arcs.map((a) => `${a.leg} thrust arc<br>${minute(a.start)} → ${minute(a.end)} UTC, ${num(a.days, 0)} d<extra></extra>`),
    });
  }
  const ev = p.events;
  traces.push({
    type: "scatter", mode: "markers", x: ev.map((e) => e.date.replace("T", " ")), y: ev.map(() => "events"),
    marker: { symbol: "line-ns-open", size: 18, color: "#101827", line: { width: 2 } }, text: ev.map((e) => e.name),
    customdata: ev.map((e) => minute(e.received)), hovertemplate: "%{text}<br>%{x} UTC (Earth hears it %{customdata})<extra></extra>", name: "events",
  });
  Plotly.react($("plan-timeline"), traces, baseLayout({
    barmode: "overlay", showlegend: false, margin: { l: 70, r: 20, t: 6, b: 36 },
    xaxis: { type: "date", title: { text: "UTC" } }, yaxis: { automargin: true },
  }), PLOT_CONFIG);
  const local = p.surface ? [{ key: "mars", label: "at the landing site", fmt: (m) => (m
    ? `sol ${m.sol} · ${m.ltst.slice(0, 5)} LTST (${m.lmst.slice(0, 5)} LMST) · Ls ${num(m.ls_deg, 1)}°` : "") }] : [];
  $("plan-events").replaceChildren(table([
    { key: "date", label: "date", unit: "UTC", fmt: minute },
    { key: "received", label: "Earth hears", unit: "UTC", fmt: minute },
    { key: "light_time_s", label: "light time", unit: "min", kind: "num", fmt: (v) => (v ? num(v / 60, 1) : "—") },
    { key: "name", label: "event" }, ...local,
  ], ev));
}

// ------------------------------------------------------------------------------------ details

// What the newer plans have: the launch geometry, flybys, electric legs, and time at the landing site.
function details(p, flight) {
  const panels = [], wide = [];
  const g = p.launch_geometry;
  if (g) {
    panels.push(panel("Launch geometry", kv([
      ["departure asymptote declination (DLA)", `${num(g.dla_deg, 1)}°`],
      ["parking orbit inclination", g.parking_inclination_deg == null ? "not given: every asymptote taken as reachable" : `${num(g.parking_inclination_deg, 1)}°`],
      ["plane change at departure", `${num(g.plane_change_deg, 2)}°`], ["added to the departure burn", num(g.dv_penalty_kms, 3, "km/s")],
      ["policy", { charge: "charged in the departure burn", avoid: "asymptotes out of reach avoided", none: "none" }[g.policy] || g.policy],
    ])));
  }
  if (p.flybys.length) {
    wide.push(panel("Flybys", wrap(table([
      { key: "body", label: "flyby", fmt: (v) => `${title(v)} flyby` }, { key: "leg", label: "leg" },
      { key: "date", label: "periapsis", unit: "UTC", fmt: minute },
      { key: "altitude_km", label: "altitude", unit: "km", kind: "num", digits: 0 },
      { key: "vinf_in_kms", label: "v∞", unit: "km/s", kind: "num", digits: 2 },
      { key: "turn_angle_deg", label: "turn", unit: "°", kind: "num", digits: 1 },
      { key: "max_turn_angle_deg", label: "reach", unit: "°", kind: "num", digits: 1 },
      { key: "dv_kms", label: "burn", unit: "km/s", kind: "num", digits: 3 },
      { key: "b_km", label: "B", unit: "km", kind: "num", digits: 0 },
    ], p.flybys))));
  }
  const legs = p.legs.map((l, k) => ({ leg: ["outbound", "return"][k], ...l.lowthrust })).filter((l) => l.propulsion);
  if (legs.length) {
    const arcs = flight ? flight.thrust_arcs : [];
    wide.push(panel("Electric legs (optimised, verified by integration)", wrap(table([
      { key: "leg", label: "leg" }, { key: "initial_mass_kg", label: "start", unit: "kg", kind: "num", digits: 0 },
      { key: "final_mass_kg", label: "end", unit: "kg", kind: "num", digits: 0 },
      { key: "propellant_kg", label: "propellant", unit: "kg", kind: "num", digits: 0 },
      { key: "delta_v_kms", label: "Δv", unit: "km/s", kind: "num", digits: 3 },
      { key: "leg", label: "thrust arcs", kind: "num", fmt: (v) => (flight ? String(arcs.filter((a) => a.leg === v).length) : "…") },
      { key: "leg", label: "days thrusting", kind: "num", fmt: (v) => (flight ? num(arcs.filter((a) => a.leg === v).reduce((s, a) => s + a.days, 0), 0) : "…") },
      { key: "landing_error_km", label: "lands", unit: "km", kind: "num", digits: 2 },
    ], legs)), el("p", { class: "muted small", text: `${legs[0].propulsion.thrust_n} N, Isp ${legs[0].propulsion.isp_s} s, ${legs[0].propulsion.power_law === "constant" ? "constant thrust (nuclear-electric)" : "thrust falling as 1/r² (solar-electric)"}; orange on the timeline and the flight: the thrust arcs.` })));
  }
  if (p.surface) panels.push(mars(p));
  $("plan-details").replaceChildren(...wide, ...(panels.length ? [el("div", { class: "grid-2 even" }, panels)] : []));
}

const wrap = (t) => el("div", { class: "table-wrap" }, t);

function panel(heading, ...children) {
  return el("div", { class: "panel" }, el("h3", { text: heading }), ...children);
}

function mars(p) {
  const s = p.surface, site = s.site;
  const [lo, hi] = s.dust_storm_season_ls_deg;
  return panel(`Time on Mars at ${site.title}`,
    kv([["site", `${num(site.latitude_deg, 2)}° N, ${num(site.east_longitude_deg, 2)}° E`],
      ["landing", `sol ${s.landing.sol}, ${s.landing.ltst.slice(0, 5)} LTST (${s.landing.lmst.slice(0, 5)} LMST), Ls ${num(s.landing.ls_deg, 1)}°, Mars year ${s.landing.mars_year}, northern ${s.landing.northern_season}`],
      ["ascent", `sol ${s.ascent.sol}, ${s.ascent.ltst.slice(0, 5)} LTST (${s.ascent.lmst.slice(0, 5)} LMST), Ls ${num(s.ascent.ls_deg, 1)}°, Mars year ${s.ascent.mars_year}, northern ${s.ascent.northern_season}`],
      ["on the surface", `${num(s.stay_sols, 1)} sols (sols 0 to ${s.sols - 1})`],
      ["daylight", `${num(s.daylight_hours.landing, 1)} Mars h at landing, ${num(s.daylight_hours.ascent, 1)} at ascent, ${num(s.daylight_hours.min, 1)}–${num(s.daylight_hours.max, 1)} over the stay`],
      ["dust-storm season", `${s.sols_in_dust_season} sols of the stay (Ls ${lo}–${hi}°); ${s.in_dust_storm_season.length ? `in it: ${s.in_dust_storm_season.join(", ")}` : "landing and ascent outside it"}`]]),
    el("p", { class: "muted small", text: `Site: ${site.source}. Season: ${s.season_source}. Mars events in the timeline carry their sol and local solar time.` }));
}

function budget(p) {
  const burns = p.burns;
  const stages = [...new Set(burns.map((b) => b.stage || "no stage"))];
  const palette = [COLORS.out, COLORS.ret, COLORS.stay, COLORS.earth, COLORS.mars];
  const traces = stages.map((s, k) => {
    const mine = burns.filter((b) => (b.stage || "no stage") === s);
    return { type: "bar", x: mine.map((b) => b.label.replace(/ \(.*\)$/, "").replace(/ (\S+)$/, "<br>$1")), y: mine.map((b) => b.dv_kms), name: s,
      marker: { color: palette[k % palette.length] }, text: mine.map((b) => num(b.dv_kms, 2)), textposition: "outside",
      hovertemplate: "%{x}<br>%{y:.3f} km/s<extra>" + s + "</extra>" };
  });
  Plotly.react($("plan-budget"), traces, baseLayout({
    barmode: "group", margin: { l: 56, r: 10, t: 10, b: 90 }, yaxis: { title: { text: "Δv (km/s)" } },
    xaxis: { tickangle: 0, automargin: true }, legend: { orientation: "h", y: 1.15 },
  }), PLOT_CONFIG);
  $("plan-burns").replaceChildren(table([
    { key: "label", label: "burn" }, { key: "date", label: "date", fmt: date },
    { key: "dv_kms", label: "Δv", unit: "km/s", kind: "num", digits: 3 }, { key: "stage", label: "stage", fmt: (v) => v || "—" },
    { key: "propellant_kg", label: "propellant", unit: "kg", kind: "num", digits: 0 },
    { key: "stage_left_kg", label: "left", unit: "kg", kind: "num", digits: 0 },
  ], burns));
}

// ------------------------------------------------------------------------------------ the flight

function animate(f, p) {
  stop();
  const xs = (a) => a.map((r) => r[0]), ys = (a) => a.map((r) => r[1]);
  const oc = BODY_COLORS[f.origin_name] || COLORS.earth, dc = BODY_COLORS[f.destination_name] || COLORS.mars;
  const outIdx = f.phase.map((ph, i) => (ph === "outbound" ? i : -1)).filter((i) => i >= 0);
  const retIdx = f.phase.map((ph, i) => (ph === "return" ? i : -1)).filter((i) => i >= 0);
  const pick = (a, idx) => idx.map((i) => a[i]);
  const traces = [
    { x: xs(f.origin), y: ys(f.origin), mode: "lines", line: { color: oc, width: 1 }, name: `${title(f.origin_name)}'s path`, hoverinfo: "skip" },
    { x: xs(f.destination), y: ys(f.destination), mode: "lines", line: { color: dc, width: 1 }, name: `${title(f.destination_name)}'s path`, hoverinfo: "skip" },
    { x: xs(pick(f.craft, outIdx)), y: ys(pick(f.craft, outIdx)), mode: "lines", line: { color: COLORS.out, width: 2, dash: "dot" }, name: "outbound", hoverinfo: "skip" },
    { x: xs(pick(f.craft, retIdx)), y: ys(pick(f.craft, retIdx)), mode: "lines", line: { color: COLORS.ret, width: 2, dash: "dot" }, name: "return", hoverinfo: "skip" },
    { x: [0], y: [0], mode: "markers", marker: { color: COLORS.sun, size: 16 }, name: "Sun", hoverinfo: "name" },
    { x: f.events.map((e) => e.position[0]), y: f.events.map((e) => e.position[1]), mode: "markers", name: "events",
      marker: { symbol: "x-thin-open", size: 9, color: "#101827", line: { width: 1.5 } }, text: f.events.map((e) => `${e.name}<br>${minute(e.date)} UTC`), hovertemplate: "%{text}<extra></extra>" },
    { x: [], y: [], mode: "lines", line: { color: COLORS.out, width: 3 }, name: "flown", hoverinfo: "skip" },
    { x: [0], y: [0], mode: "markers+text", marker: { color: oc, size: 12 }, text: [title(f.origin_name)], textposition: "bottom center", name: title(f.origin_name), hoverinfo: "skip" },
    { x: [0], y: [0], mode: "markers+text", marker: { color: dc, size: 12 }, text: [title(f.destination_name)], textposition: "bottom center", name: title(f.destination_name), hoverinfo: "skip" },
    { x: [0], y: [0], mode: "markers+text", marker: { color: "#101827", size: 11, symbol: "diamond" }, text: [p.scenario], textposition: "top center", name: "craft", hoverinfo: "skip" },
  ];
  // drawn after the moving markers (indices 6-9, restyled by frame()): flyby planets, flybys, thrust arcs
  for (const [body, pts] of Object.entries(f.flyby_bodies || {})) {
    traces.push({ x: xs(pts), y: ys(pts), mode: "lines", line: { color: BODY_COLORS[body] || COLORS.muted, width: 1, dash: "dot" },
      name: `${title(body)}'s path`, hoverinfo: "skip" });
  }
  if (f.flybys && f.flybys.length) {
    traces.push({ x: f.flybys.map((b) => b.position[0]), y: f.flybys.map((b) => b.position[1]), mode: "markers+text", name: "flybys",
      marker: { symbol: "star", size: 14, color: f.flybys.map((b) => BODY_COLORS[b.body] || COLORS.muted), line: { color: "#101827", width: 1 } },
      text: f.flybys.map((b) => `${title(b.body)} flyby ${num(b.altitude_km, 0)} km`), textposition: "top center",
      customdata: f.flybys.map((b) => minute(b.date)), hovertemplate: "%{text}<br>%{customdata} UTC<extra></extra>" });
  }
  if (f.thrusting && f.thrusting.some(Boolean)) {
    const on = f.craft.map((r, i) => (f.thrusting[i] ? r : [null, null]));
    traces.push({ x: xs(on), y: ys(on), mode: "lines", line: { color: THRUST, width: 4 }, name: "electric thrust", hoverinfo: "skip", connectgaps: false });
  }
  const lim = Math.max(...f.destination.map((r) => Math.hypot(r[0], r[1])), ...f.craft.map((r) => Math.hypot(r[0], r[1]))) * 1.12;
  Plotly.react($("plan-flight"), traces, baseLayout({
    showlegend: true, legend: { orientation: "h", y: -0.12 }, margin: { l: 56, r: 10, t: 10, b: 40 },
    xaxis: { range: [-lim, lim], title: { text: "x (AU)" }, zeroline: false },
    yaxis: { range: [-lim, lim], title: { text: "y (AU)" }, scaleanchor: "x", zeroline: false },
  }), PLOT_CONFIG).then(() => {
    $("plan-slider").max = String(f.dates.length - 1);
    frame(0);
  });
}

function frame(i) {
  const f = current && current.flight;
  if (!f) return;
  player.i = i;
  const c = f.craft[i], o = f.origin[i], d = f.destination[i];
  const flown = f.craft.slice(0, i + 1);
  const color = f.phase[i] === "return" ? COLORS.ret : COLORS.out;
  Plotly.restyle($("plan-flight"), {
    x: [flown.map((r) => r[0]), [o[0]], [d[0]], [c[0]]], y: [flown.map((r) => r[1]), [o[1]], [d[1]], [c[1]]],
    "line.color": [color, undefined, undefined, undefined],
  }, [6, 7, 8, 9]);
  $("plan-slider").value = String(i);
  const phase = { outbound: "outbound", stay: `at ${title(f.destination_name)}`, return: "return" }[f.phase[i]];
  $("plan-date").value = `${minute(f.dates[i])} UTC · day ${num(f.days[i], 0)} · ${phase}`;
}

function toggle() {
  if (player.timer) { stop(); return; }
  const f = current && current.flight;
  if (!f) return;
  if (player.i >= f.dates.length - 1) player.i = 0;
  $("plan-play").textContent = "❚❚ Pause";
  $("plan-play").setAttribute("aria-label", "pause");
  let last = 0;
  const tick = (now) => {
    if (!player.timer) return;
    const speed = Number($("plan-speed").value);
    if (now - last > 60 / speed) {
      last = now;
      if (player.i >= f.dates.length - 1) { stop(); return; }
      frame(player.i + 1);
    }
    player.timer = requestAnimationFrame(tick);
  };
  player.timer = requestAnimationFrame(tick);
}

function stop() {
  if (player.timer) cancelAnimationFrame(player.timer);
  player.timer = null;
  $("plan-play").textContent = "▶ Play";
  $("plan-play").setAttribute("aria-label", "play");
}

// ------------------------------------------------------------------------------------ the crew

function dose(crew, err) {
  const box = $("plan-dose");
  if (!crew) {
    $("plan-clock").textContent = "";
    Plotly.purge(box);
    box.replaceChildren(el("p", { class: "muted", text: err ? `The crew timeline could not be computed: ${err.message}` : "—" }));
    return;
  }
  const days = crew.days;
  const d = crew.summary.dose;
  const x = days.map((r) => r.date);
  const shapes = crew.summary.comms.blackouts.map((b) => ({
    type: "rect", xref: "x", yref: "paper", x0: b.start.replace("T", " "), x1: b.end.replace("T", " "), y0: 0, y1: 1,
    fillcolor: "rgba(179,38,30,0.16)", line: { width: 0 }, layer: "below",
  }));
  const limit = d.career_limit_msv - d.prior_career_msv;
  const traces = [
    { x, y: days.map((r) => r.cumulative_msv), mode: "lines", name: "mission dose", line: { color: COLORS.out, width: 2.5 },
      hovertemplate: "%{x}<br>%{y:.0f} mSv<extra>cumulative</extra>" },
    { x: [x[0], x[x.length - 1]], y: [limit, limit], mode: "lines", name: "career limit", line: { color: COLORS.bad, dash: "dash", width: 1.5 },
      hovertemplate: `career limit ${num(d.career_limit_msv, 0)} mSv<extra></extra>` },
    { x: crew.summary.comms.blackouts.map((b) => (b.conjunction || b.least_angle).replace("T", " ")), y: crew.summary.comms.blackouts.map(() => 0),
      mode: "markers", marker: { color: COLORS.bad, symbol: "triangle-up", size: 10 }, name: "solar conjunction (blackout)",
      text: crew.summary.comms.blackouts.map((b) => `blackout ${minute(b.start)} → ${minute(b.end)} UTC, ${num(b.days, 1)} d`),
      hovertemplate: "%{text}<extra></extra>" },
  ];
  Plotly.react(box, traces, baseLayout({
    shapes, margin: { l: 60, r: 10, t: 10, b: 40 }, legend: { orientation: "h", y: 1.14 },
    xaxis: { type: "date", title: { text: "UTC" } }, yaxis: { title: { text: "dose (mSv)" }, rangemode: "tozero" },
  }), PLOT_CONFIG);
  $("plan-clock").textContent = crew.summary.clock ? `Crew clocks: ${crew.summary.clock.in_words}` : "";
  $("plan-dose-note").textContent = `Red bands: communication blackouts at solar conjunction. ${crew.summary.dose.limit_crossed ? `The career limit is crossed on ${crew.summary.dose.limit_crossed_on}.` : ""}`;
}

// ------------------------------------------------------------------------------------ downloads

async function download(what) {
  const state = $("plan-download-state");
  const text = current ? current.text : editor.text;
  state.textContent = `preparing ${what} …`;
  const dl = new Job($("plan-job"));
  try {
    const resp = await dl.run(`/api/plan/download/${what}${stepQuery()}`, { method: "POST", body: text, headers: { "Content-Type": "application/toml" } }, true);
    const name = await saveResponse(resp, `plan.${what}`);
    state.textContent = `saved ${name}`;
  } catch (err) {
    state.textContent = "";
    if (err.status !== 409) showError($("plan-error"), err);
  }
}
