// Talking to the server: every long request is started asynchronously (Prefer: respond-async),
// followed through server-sent events, cancellable, and fetched again once done (from the cache).

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.where = body ? body.where : null;
    this.key = body ? body.key : null;
    this.line = body ? body.line : null;
  }
}

async function answer(resp) {
  const type = resp.headers.get("content-type") || "";
  if (resp.ok) return type.includes("json") ? resp.json() : resp;
  let body = null;
  try { body = await resp.json(); } catch (e) { body = { error: `HTTP ${resp.status}` }; }
  throw new ApiError(resp.status, body);
}

export async function getJSON(url) {
  return answer(await fetch(url, { headers: { Accept: "application/json" } }));
}

export async function postText(url, text) {
  return answer(await fetch(url, { method: "POST", body: text, headers: { "Content-Type": "application/toml" } }));
}

// A job the page follows: shows progress in `box`, can be cancelled with its button.
export class Job {
  constructor(box) {
    this.box = box;
    this.cancelled = false;
    this.current = null;
    this.source = null;
  }

  show(status) {
    if (!this.box) return;
    this.box.hidden = false;
    const pct = Math.round(100 * (status.fraction || 0));
    const what = status.label ? `${status.label}` : status.state;
    this.box.replaceChildren();
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = pct;
    const text = document.createElement("span");
    text.textContent = `${status.kind}: ${what} — ${pct} %`;
    const stop = document.createElement("button");
    stop.type = "button"; stop.textContent = "Cancel";
    stop.addEventListener("click", () => this.cancel());
    this.box.append(bar, text, stop);
  }

  hide() { if (this.box) { this.box.hidden = true; this.box.replaceChildren(); } }

  async cancel() {
    this.cancelled = true;
    if (this.source) this.source.close();
    if (this.current) {
      try { await fetch(`/api/jobs/${this.current}`, { method: "DELETE" }); } catch (e) { /* gone */ }
    }
    if (this.wake) this.wake();
    this.hide();
  }

  follow(status) {
    this.current = status.id;
    this.show(status);
    return new Promise((resolve) => {
      this.wake = resolve;
      const src = new EventSource(`/api/jobs/${status.id}/events`);
      this.source = src;
      src.addEventListener("progress", (e) => this.show(JSON.parse(e.data)));
      for (const end of ["done", "failed", "cancelled"]) {
        src.addEventListener(end, (e) => { src.close(); resolve(JSON.parse(e.data)); });
      }
      src.onerror = () => { src.close(); resolve(null); };
    });
  }

  // Run a request until it is answered: 202 → follow the job → ask again (answered from the cache).
  async run(url, init = {}, raw = false) {
    const headers = { ...(init.headers || {}), Prefer: "respond-async" };
    for (let round = 0; round < 6; round++) {
      if (this.cancelled) throw new ApiError(409, { error: "cancelled" });
      const resp = await fetch(url, { ...init, headers });
      if (resp.status === 202) {
        const end = await this.follow(await resp.json());
        if (end && end.state === "failed") {  // a failure the cache did not keep: say it, do not start again
          this.hide();
          throw new ApiError(end.error ? end.error.status : 500, end.error);
        }
        continue;
      }
      if (resp.status === 503) {
        const wait = Number(resp.headers.get("Retry-After") || "2");
        this.show({ kind: "queue", label: `server busy, retrying in ${wait} s`, fraction: 0 });
        await new Promise((r) => setTimeout(r, 1000 * wait));
        continue;
      }
      this.hide();
      return raw && resp.ok ? resp : answer(resp);
    }
    this.hide();
    throw new ApiError(504, { error: "the computation did not finish: try again" });
  }
}

// Save a response body as a file (a download the user asked for).
export async function saveResponse(resp, fallback) {
  const blob = await resp.blob();
  const disp = resp.headers.get("content-disposition") || "";
  const m = /filename="([^"]+)"/.exec(disp);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = m ? m[1] : fallback;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  return a.download;
}
