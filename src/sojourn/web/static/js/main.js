// The page: six views behind tabs; the URL's fragment holds the view and its inputs.
import { $, readHash, getJSONSafe } from "./ui.js";
import * as porkchop from "./porkchop.js";
import * as windows from "./windows.js";
import * as planner from "./planner.js";
import * as risk from "./risk.js";
import * as lowthrust from "./lowthrust.js";
import * as marstime from "./marstime.js";

const VIEWS = { porkchop, windows, lowthrust, plan: planner, risk, marstime };

function select(view) {
  if (!VIEWS[view]) view = "porkchop";
  for (const section of document.querySelectorAll("section.view")) section.hidden = section.dataset.view !== view;
  for (const tab of document.querySelectorAll(".tabs a")) tab.setAttribute("aria-selected", String(tab.dataset.view === view));
  VIEWS[view].show();
}

async function start() {
  const { view, params } = readHash();
  await Promise.all(Object.entries(VIEWS).map(([name, module]) => module.init(name === view ? params : new URLSearchParams())));
  for (const tab of document.querySelectorAll(".tabs a")) {
    tab.addEventListener("click", (e) => {
      e.preventDefault();
      history.replaceState(null, "", `#${tab.dataset.view}`);
      select(tab.dataset.view);
    });
  }
  select(view);
  const health = await getJSONSafe("/api/health");
  if (health) $("version").textContent = health.version;
}

start();
