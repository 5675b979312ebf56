// Mars time: a clock for a landing site or a longitude (live, or at a chosen UTC instant), and a table
// of a range of instants. Every number is the server's (/api/marstime, the records of `sojourn marstime --json`).
import { $, el, num, table, showError, card, writeHash, baseLayout, PLOT_CONFIG, COLORS, getJSONSafe } from "./ui.js";
import { getJSON } from "./api.js";

let sites = [];
let timer = null;
let asking = false;
let rows = null;

// The northern season of an Ls (degrees): spring from 0, summer 90, autumn 180, winter 270 (sojourn.marstime.northern_season).
const SEASONS = ["spring", "summer", "autumn", "winter"];
const season = (ls) => SEASONS[Math.floor((((ls % 360) + 360) % 360) / 90)];
const SOUTH = { spring: "autumn", summer: "winter", autumn: "spring", winter: "summer" };

export async function init(params) {
  sites = (await getJSONSafe("/api/sites")) || [];
  $("mt-site").replaceChildren(el("option", { value: "", text: "a longitude" }),
    ...sites.map((s) => el("option", { value: s.name, text: s.title })));
  $("mt-site").value = params.get("site") ?? "jezero";
  if (params.get("lon")) $("mt-lon").value = params.get("lon");
  if (params.get("when")) { $("mt-when").value = params.get("when"); $("mt-live").checked = false; }
  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  $("mt-start").value = params.get("start") || iso(today);
  $("mt-end").value = params.get("end") || iso(new Date(today.getTime() + 30 * 86400000));
  if (params.get("step")) $("mt-step").value = params.get("step");
  placeChanged();
  $("mt-site").addEventListener("change", () => { placeChanged(); tick(); });
  $("mt-lon").addEventListener("change", () => tick());
  $("mt-when").addEventListener("change", () => { $("mt-live").checked = !$("mt-when").value; tick(); });
  $("mt-live").addEventListener("change", () => { if ($("mt-live").checked) $("mt-when").value = ""; tick(); });
  $("mt-form").addEventListener("submit", (e) => { e.preventDefault(); tick(); });
  $("mt-range-form").addEventListener("submit", (e) => { e.preventDefault(); range(); });
  document.addEventListener("visibilitychange", () => { if (!document.hidden && visible()) tick(); });
}

const visible = () => !$("view-marstime").hidden;

export function show() {
  tick();
  if (!rows) range();
}

function placeChanged() {
  const site = sites.find((s) => s.name === $("mt-site").value);
  $("mt-lon").disabled = !!site;
  if (site) $("mt-lon").value = site.east_longitude_deg;
}

function place() {
  const site = $("mt-site").value;
  return site ? { site } : { lon: $("mt-lon").value || "0" };
}

// The clock: asked again every second while it is live and in view.
async function tick() {
  clearTimeout(timer);
  if (!visible()) return;
  const live = $("mt-live").checked;
  const when = live ? new Date().toISOString().slice(0, 19) : $("mt-when").value;
  if (!when) return;
  writeHash("marstime", { ...place(), when: live ? "" : when, start: $("mt-start").value, end: $("mt-end").value, step: $("mt-step").value });
  if (!asking) {
    asking = true;
    try {
      const [m] = await getJSON(`/api/marstime?${new URLSearchParams({ when, ...place() })}`);
      showError($("mt-error"), null);
      clock(m);
    } catch (err) {
      showError($("mt-error"), err);
    } finally {
      asking = false;
    }
  }
  if (live) timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 20);
}

function clock(m) {
  const site = sites.find((s) => s.name === m.site);
  $("mt-place").textContent = site ? `${site.title} · ${num(site.latitude_deg, 2)}° N, ${num(site.east_longitude_deg, 2)}° E`
    : `${num(m.east_longitude_deg, 2)}° E`;
  $("mt-ltst").textContent = m.ltst;
  const north = season(m.ls_deg);
  $("mt-cards").replaceChildren(
    card("UTC", m.utc.replace("T", " ").slice(0, 19)),
    card("Mars Sol Date", num(m.msd, 5), "sols since 1873-12-29"),
    card("MTC", m.mtc, "Coordinated Mars Time (0° E)"),
    card("LMST", m.lmst, "local mean solar time"),
    card("LTST", m.ltst, `equation of time ${num(m.eot_minutes, 1)} Mars min`),
    card("Ls", `${num(m.ls_deg, 2)}°`, "areocentric solar longitude"),
    card("Mars year", String(m.mars_year), "Clancy et al. numbering"),
    card("Season", `northern ${north}`, `southern ${SOUTH[north]}`),
    card("Dust-storm season", m.dust_storm_season ? "yes" : "no", "Ls 180–360°", m.dust_storm_season ? "warn" : ""),
    m.daylight_hours != null ? card("Daylight", num(m.daylight_hours, 2, "h"), "Mars hours of sunlight this sol") : null,
  );
  $("mt-source").textContent = `Mars24 (NASA GISS; Allison & McEwen 2000). Mars hours are 1/24 sol (1.0275 h).${site ? ` Site: ${site.source}.` : ""}`;
}

// ------------------------------------------------------------------------------------ a range

async function range() {
  const q = { when: `${$("mt-start").value}:${$("mt-end").value}`, step: $("mt-step").value || "1", ...place() };
  showError($("mt-error"), null);
  $("mt-go").disabled = true;
  try {
    rows = await getJSON(`/api/marstime?${new URLSearchParams(q)}`);
    render();
  } catch (err) {
    showError($("mt-error"), err);
  } finally {
    $("mt-go").disabled = false;
  }
}

function render() {
  const x = rows.map((r) => r.utc.replace("T", " "));
  Plotly.react($("mt-chart"), [
    { x, y: rows.map((r) => r.ls_deg), mode: "lines", name: "Ls (°)", line: { color: COLORS.mars, width: 2 },
      hovertemplate: "%{x}<br>Ls %{y:.2f}°<extra></extra>" },
    { x, y: rows.map((r) => r.ltst_hours), mode: "markers", name: "LTST (Mars h)", yaxis: "y2",
      marker: { color: COLORS.earth, size: 5 }, text: rows.map((r) => r.ltst), hovertemplate: "%{x}<br>LTST %{text}<extra></extra>" },
  ], baseLayout({
    margin: { l: 56, r: 56, t: 10, b: 40 }, legend: { orientation: "h", y: 1.15 },
    xaxis: { type: "date", title: { text: "UTC" } },
    yaxis: { title: { text: "Ls (°)" } },
    yaxis2: { title: { text: "LTST (Mars hours)" }, overlaying: "y", side: "right", range: [0, 24], dtick: 6, showgrid: false },
    shapes: rows.some((r) => r.dust_storm_season) ? dustBands(rows) : [],
  }), PLOT_CONFIG);
  $("mt-note").textContent = `${rows.length} instants. ${rows.some((r) => r.dust_storm_season) ? "Shaded: the dust-storm season (Ls 180–360°, Zurek & Martin 1993). " : ""}Dots: the local true solar time at each instant.`;
  $("mt-table").replaceChildren(table([
    { key: "utc", label: "UTC", fmt: (v) => v.replace("T", " ").slice(0, 19) },
    { key: "msd", label: "MSD", kind: "num", digits: 4 }, { key: "mtc", label: "MTC" },
    { key: "lmst", label: "LMST" }, { key: "ltst", label: "LTST" },
    { key: "ls_deg", label: "Ls", unit: "°", kind: "num", digits: 2 },
    { key: "mars_year", label: "MY", kind: "num", digits: 0 },
    { key: "ls_deg", label: "N season", fmt: (v) => season(v) },
    { key: "dust_storm_season", label: "dust", fmt: (v) => (v ? "yes" : "") },
  ], rows));
}

// Shaded spans of the chart where the range is in the dust-storm season.
function dustBands(rs) {
  const bands = [];
  let start = null;
  rs.forEach((r, i) => {
    if (r.dust_storm_season && start === null) start = r.utc;
    if ((!r.dust_storm_season || i === rs.length - 1) && start !== null) {
      bands.push({ type: "rect", xref: "x", yref: "paper", x0: start.replace("T", " "), x1: r.utc.replace("T", " "), y0: 0, y1: 1,
        fillcolor: "rgba(196,80,42,0.10)", line: { width: 0 }, layer: "below" });
      start = null;
    }
  });
  return bands;
}
