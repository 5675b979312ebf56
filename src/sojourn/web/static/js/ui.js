// Small helpers for the page: elements, numbers with units, tables, errors, the URL's state.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function num(x, digits = 2, unit = "") {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  const s = Number(x).toLocaleString("en-GB", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${s} ${unit}` : s;
}

export const date = (iso) => (iso ? String(iso).slice(0, 10) : "—");
export const minute = (iso) => (iso ? String(iso).replace("T", " ").slice(0, 16) : "—");

export const COLORS = {
  earth: "#2f6db5", mars: "#c4502a", out: "#7a3fa8", ret: "#11917f", sun: "#f4b400", stay: "#e8a33d",
  bad: "#b3261e", muted: "#5d6878",
};

export const BODY_COLORS = { earth: "#2f6db5", "earth-moon-barycenter": "#2f6db5", emb: "#2f6db5", mars: "#c4502a",
  venus: "#c9a227", mercury: "#8c8c8c", jupiter: "#b07d48", saturn: "#c8b27a" };

export const BODIES = [["earth", "Earth"], ["emb", "Earth–Moon barycentre"], ["mars", "Mars"], ["venus", "Venus"],
  ["mercury", "Mercury"], ["jupiter", "Jupiter"], ["saturn", "Saturn"]];

export function fillBodies(select, chosen) {
  select.replaceChildren(...BODIES.map(([v, t]) => el("option", { value: v, text: t, selected: v === chosen })));
}

// A table from rows; columns: {key, label, kind: "num"|"date"|"text", digits, unit, fmt}.
// With `sort` ({key, dir}) and `onSort`, headers sort; `onRow` makes rows clickable.
export function table(columns, rows, opts = {}) {
  const head = el("tr", {}, columns.map((c) => {
    const th = el("th", { class: [c.kind === "num" ? "num" : "", opts.onSort ? "sortable" : ""].join(" ").trim(),
      scope: "col", text: c.unit ? `${c.label} (${c.unit})` : c.label });
    if (opts.sort && opts.sort.key === c.key) th.setAttribute("aria-sort", opts.sort.dir === "desc" ? "descending" : "ascending");
    if (opts.onSort) th.addEventListener("click", () => opts.onSort(c.key));
    return th;
  }));
  const body = rows.map((r) => {
    if (r.__group) return el("tr", { class: "group" }, el("td", { colspan: columns.length, text: r.__group }));
    const tr = el("tr", { class: opts.onRow ? "clickable" : null }, columns.map((c) => {
      const v = c.fmt ? c.fmt(r[c.key], r) : c.kind === "num" ? num(r[c.key], c.digits ?? 2) : c.kind === "date" ? minute(r[c.key]) : (r[c.key] ?? "—");
      return el("td", { class: c.kind === "num" ? "num" : null, text: v });
    }));
    if (opts.onRow) tr.addEventListener("click", () => opts.onRow(r));
    return tr;
  });
  return el("table", {}, el("thead", {}, head), el("tbody", {}, body));
}

export function sortRows(rows, key, dir) {
  const sign = dir === "desc" ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * sign;
  });
}

export function showError(box, err) {
  if (!err) { box.hidden = true; box.replaceChildren(); return; }
  box.hidden = false;
  const where = err.where ? el("span", { class: "where", text: ` (${err.where}${err.line ? `, line ${err.line}` : ""})` }) : null;
  box.replaceChildren(el("strong", { text: "error: " }), err.message || String(err), where || "");
}

export function card(label, value, note = "", tone = "") {
  return el("div", { class: `card ${tone}` }, el("div", { class: "label", text: label }),
    el("div", { class: "value", text: value }), note ? el("div", { class: "note", text: note }) : null);
}

export function kv(pairs) {
  return el("dl", { class: "kv" }, pairs.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
}

// The URL's state: "#view?key=value&…".
export function readHash() {
  const h = location.hash.replace(/^#/, "");
  const [view, query] = h.split("?");
  return { view: view || "porkchop", params: new URLSearchParams(query || "") };
}

export function writeHash(view, params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== null && v !== undefined)).toString();
  const h = `#${view}${q ? "?" + q : ""}`;
  if (location.hash !== h) history.replaceState(null, "", h);
}

export const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

export const baseLayout = (extra = {}) => ({
  margin: { l: 60, r: 20, t: 16, b: 48 },
  font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif", size: 12, color: "#1b2230" },
  paper_bgcolor: "#fff", plot_bgcolor: "#fff",
  ...extra,
});

// Decode a base64 little-endian array into a typed array.
export function decode(b64, Type) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Type(bytes.buffer);
}

// JSON from a GET, or null on any failure (for things the page can do without).
export async function getJSONSafe(url) {
  try {
    const r = await fetch(url);
    return r.ok ? await r.json() : null;
  } catch (e) {
    return null;
  }
}
