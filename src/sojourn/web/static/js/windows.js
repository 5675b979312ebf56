// Opportunities: the `windows` table for any span, sortable, as CSV, with a link that reproduces the view.
import { $, el, date, num, table, sortRows, showError, fillBodies, writeHash } from "./ui.js";
import { Job } from "./api.js";

let rows = null;
let sort = { key: "launch", dir: "asc" };
let job = null;

const COLUMNS = [
  { key: "opportunity", label: "opportunity", kind: "num", digits: 0, fmt: (v) => String(v) },
  { key: "transfer_type", label: "type" },
  { key: "by", label: "best by" },
  { key: "launch_utc", label: "launch", unit: "UTC", fmt: (v) => v.replace("T", " ") },
  { key: "arrival_utc", label: "arrival", unit: "UTC", fmt: (v) => v.replace("T", " ") },
  { key: "tof_days", label: "TOF", unit: "d", kind: "num", digits: 0 },
  { key: "c3", label: "C3", unit: "km²/s²", kind: "num" },
  { key: "vinf_departure", label: "v∞ dep", unit: "km/s", kind: "num" },
  { key: "vinf_arrival", label: "v∞ arr", unit: "km/s", kind: "num" },
  { key: "dla_deg", label: "DLA", unit: "°", kind: "num", digits: 1 },
  { key: "rla_deg", label: "RLA", unit: "°", kind: "num", digits: 1 },
  { key: "transfer_angle_deg", label: "transfer angle", unit: "°", kind: "num", digits: 1 },
];

export function init(params) {
  fillBodies($("win-from"), params.get("from") || "emb");
  fillBodies($("win-to"), params.get("to") || "mars");
  for (const [id, key] of [["win-start", "start"], ["win-end", "end"], ["win-step", "step"], ["win-c3max", "c3"]]) {
    if (params.get(key)) $(id).value = params.get(key);
  }
  if (params.get("sort")) sort = { key: params.get("sort"), dir: params.get("dir") === "desc" ? "desc" : "asc" };
  $("win-form").addEventListener("submit", (e) => { e.preventDefault(); search(); });
  $("win-link").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(location.href); $("win-link").textContent = "Link copied"; }
    catch (e) { $("win-link").textContent = "Copy the address bar"; }
  });
  init.auto = params.has("start");
}

export function show() {
  if (init.auto && !rows) search();
}

function query() {
  const q = { from: $("win-from").value, to: $("win-to").value, start: $("win-start").value, end: $("win-end").value,
    step: $("win-step").value };
  if ($("win-c3max").value) q.c3_max = $("win-c3max").value;
  return q;
}

function state() {
  const q = query();
  writeHash("windows", { from: q.from, to: q.to, start: q.start, end: q.end, step: q.step, c3: q.c3_max, sort: sort.key, dir: sort.dir });
}

async function search() {
  if (job) await job.cancel();
  const q = query();
  state();
  showError($("win-error"), null);
  $("win-go").disabled = true;
  job = new Job($("win-job"));
  try {
    const doc = await job.run(`/api/windows?${new URLSearchParams(q)}`);
    rows = doc.map((r) => ({ ...r, by: r.criterion === "min_c3" ? "least C3" : "least v∞ arr" }));
    const csv = $("win-csv");
    csv.href = `/api/windows?${new URLSearchParams({ ...q, format: "csv" })}`;
    csv.hidden = false;
    $("win-link").hidden = false;
    render();
  } catch (err) {
    if (err.status !== 409) showError($("win-error"), err);
  } finally {
    $("win-go").disabled = false;
  }
}

function render() {
  if (!rows) return;
  const onSort = (key) => {
    sort = { key, dir: sort.key === key && sort.dir === "asc" ? "desc" : "asc" };
    state();
    render();
  };
  const sorted = sortRows(rows, sort.key, sort.dir);
  const head = el("p", { class: "muted small", text: `${rows.length} transfers in ${new Set(rows.map((r) => r.opportunity)).size} opportunities. Click a header to sort; the link and the CSV reproduce this view.` });
  $("win-table").replaceChildren(head, table(COLUMNS, sorted, { sort, onSort }));
}
