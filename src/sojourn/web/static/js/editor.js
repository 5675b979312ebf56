// A plain-text TOML editor: a textarea with line numbers, and an error marked at its line.
import { el } from "./ui.js";

export class Editor {
  constructor(host, onChange) {
    this.gutter = el("div", { class: "gutter", "aria-hidden": "true" });
    this.area = el("textarea", { spellcheck: "false", "aria-label": "scenario (TOML)", wrap: "off" });
    host.replaceChildren(this.gutter, this.area);
    this.badLine = null;
    this.area.addEventListener("input", () => { this.numbers(); onChange && onChange(this.text); });
    this.area.addEventListener("scroll", () => { this.gutter.scrollTop = this.area.scrollTop; });
    this.area.addEventListener("keydown", (e) => {
      if (e.key !== "Tab") return;
      e.preventDefault();
      this.area.setRangeText("    ", this.area.selectionStart, this.area.selectionEnd, "end");
      this.area.dispatchEvent(new Event("input"));
    });
    this.numbers();
  }

  get text() { return this.area.value; }

  set text(value) {
    this.area.value = value;
    this.mark(null);
  }

  numbers() {
    const n = this.area.value.split("\n").length;
    const lines = [];
    for (let i = 1; i <= n; i++) {
      lines.push(i === this.badLine ? el("span", { class: "bad", text: String(i) }) : String(i), "\n");
    }
    this.gutter.replaceChildren(...lines);
    this.gutter.scrollTop = this.area.scrollTop;
  }

  // Mark (and scroll to) the line of an error; null clears the mark.
  mark(line) {
    this.badLine = line || null;
    this.numbers();
    if (!line) return;
    const lines = this.area.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((s, l) => s + l.length + 1, 0);
    const lineHeight = parseFloat(getComputedStyle(this.area).lineHeight) || 19;
    this.area.scrollTop = Math.max(0, (line - 5) * lineHeight);
    this.area.setSelectionRange(start, start + (lines[line - 1] || "").length);
  }
}
