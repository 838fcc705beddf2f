// batchd status page: polls /v1/status and draws each job. Everything a
// task controls (ids, labels, errors, stderr, URIs) is set as text, never
// as HTML.
"use strict";

const POLL_MS = 1000;
const SVG = "http://www.w3.org/2000/svg";
const sections = new Map(); // job name -> its <section>

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function duration(s) {
  if (!(s >= 0) || !isFinite(s)) return "?";
  if (s < 10) return s.toFixed(1) + "s";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + "h" : "") + (h || m ? m + "m" : "") + r + "s";
}

function bytes(n) {
  if (n < 0) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}

function section(job) {
  let s = sections.get(job.name);
  if (!s) {
    s = document.getElementById("job-template").content.firstElementChild.cloneNode(true);
    s.dataset.job = job.name;
    s.querySelector(".name").textContent = job.name;
    sections.set(job.name, s);
  }
  return s;
}

function drawJob(job, now) {
  const s = section(job);
  const c = job.counts, total = Math.max(job.tasks, 1), ended = c.done + c.failed;
  s.querySelector(".state").textContent = job.state;
  s.querySelector(".state").className = "state " + job.state;
  const since = new Date(job.created).toLocaleString();
  s.querySelector(".when").textContent = job.ended
    ? "ran " + since + " for " + duration((new Date(job.ended) - new Date(job.created)) / 1000)
    : "started " + since;
  for (const k of ["done", "failed", "running"]) {
    s.querySelector(".fill." + k).style.width = (100 * c[k] / total) + "%";
  }
  const bar = s.querySelector(".bar");
  bar.setAttribute("aria-valuemax", String(job.tasks));
  bar.setAttribute("aria-valuenow", String(ended));
  s.querySelector(".progress").textContent = c.done + " of " + job.tasks + " done";
  const counts = s.querySelector(".counts");
  counts.replaceChildren(...["done", "running", "pending", "failed"].map(
    (k) => el("li", k, c[k] + " " + k)));
  let rate = job.rate > 0 ? job.rate.toFixed(job.rate < 10 ? 2 : 0) + " tasks/s" : "no task ended yet";
  if (job.state === "running" || job.state === "planning") {
    rate += job.eta_seconds >= 0 ? " · ETA " + duration(job.eta_seconds) : " · ETA unknown";
  }
  s.querySelector(".rate").textContent = rate;
  s.querySelector(".summary").textContent = job.summary || "";
  s.querySelector(".error").textContent = job.error || "";
  drawChart(s.querySelector(".chart"), job);
  drawTasks(s.querySelector(".failed-tasks"), job.failed, "no task failed",
    job.failed_total > job.failed.length ? job.failed_total - job.failed.length : 0, false);
  drawTasks(s.querySelector(".slow-tasks"), job.slowest, "no task has run yet", 0, true);
  drawArtifacts(s.querySelector(".artifacts tbody"), job);
  s.querySelector(".failed-box summary").textContent = "Failed tasks (" + job.failed_total + ")";
  s.querySelector(".art-box summary").textContent = "Staged artifacts (" + job.artifacts_total + ")";
  return s;
}

function drawChart(fig, job) {
  const W = 600, H = 120, L = 34, B = 16;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 " + W + " " + H);
  svg.setAttribute("preserveAspectRatio", "none");
  const pts = job.timeline;
  const tmax = pts.length ? Math.max(pts[pts.length - 1].t, 1e-9) : 1;
  const nmax = Math.max(job.tasks, 1);
  const x = (t) => L + (W - L - 4) * t / tmax, y = (n) => (H - B) - (H - B - 4) * n / nmax;
  const line = (cls, x1, y1, x2, y2) => {
    const l = document.createElementNS(SVG, "line");
    l.setAttribute("class", cls);
    l.setAttribute("x1", x1); l.setAttribute("y1", y1); l.setAttribute("x2", x2); l.setAttribute("y2", y2);
    svg.appendChild(l);
  };
  const text = (s, tx, ty, anchor) => {
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", tx); t.setAttribute("y", ty); t.setAttribute("text-anchor", anchor);
    t.textContent = s;
    svg.appendChild(t);
  };
  if (pts.length) {
    const coords = pts.map((p) => x(p.t).toFixed(1) + "," + y(p.ended).toFixed(1));
    const area = document.createElementNS(SVG, "polygon");
    area.setAttribute("class", "area");
    area.setAttribute("points", x(0) + "," + y(0) + " " + coords.join(" ") + " " + x(tmax) + "," + y(0));
    svg.appendChild(area);
    const pl = document.createElementNS(SVG, "polyline");
    pl.setAttribute("class", "line");
    pl.setAttribute("points", coords.join(" "));
    svg.appendChild(pl);
  }
  line("axis", L, H - B, W, H - B);
  line("axis", L, 2, L, H - B);
  text(String(job.tasks), L - 4, 12, "end");
  text("0", L - 4, H - B, "end");
  text(duration(tmax), W - 2, H - 3, "end");
  text("0s", L, H - 3, "start");
  const old = fig.querySelector("svg");
  if (old) old.replaceWith(svg); else fig.appendChild(svg);
}

// drawTasks lists tasks in box; their stderr shown, or folded when fold.
function drawTasks(box, tasks, none, more, fold) {
  if (!tasks.length) {
    box.replaceChildren(el("p", "none", none));
    return;
  }
  const items = tasks.map((t) => {
    const d = el("div", "task " + t.state);
    const head = el("div");
    head.appendChild(el("strong", "", t.label || t.id));
    head.appendChild(document.createTextNode(
      " · " + t.state + " · " + duration(t.seconds) + " · " + t.attempts + (t.attempts === 1 ? " attempt" : " attempts")));
    d.appendChild(head);
    if (t.error) {
      const e = el("div", "err", t.error);
      e.title = t.error;
      d.appendChild(e);
    }
    if (t.stderr && fold) {
      const f = el("details", "fold");
      f.appendChild(el("summary", "", "stderr"));
      f.appendChild(el("pre", "stderr", t.stderr));
      d.appendChild(f);
    } else if (t.stderr) {
      d.appendChild(el("pre", "stderr", t.stderr));
    }
    return d;
  });
  if (more) items.push(el("p", "none", "and " + more + " more (batchd results lists them all)"));
  box.replaceChildren(...items);
}

function drawArtifacts(tbody, job) {
  const rows = job.artifacts.map((a) => {
    const tr = el("tr");
    tr.appendChild(el("td", "uri", a.uri));
    tr.appendChild(el("td", "num", a.direct ? "direct" : bytes(a.size)));
    tr.appendChild(el("td", "num", a.fetch_seconds >= 0 ? duration(a.fetch_seconds) : (a.direct ? "by agents" : "reused")));
    return tr;
  });
  if (job.artifacts_total > job.artifacts.length) {
    const tr = el("tr");
    tr.appendChild(el("td", "none", "and " + (job.artifacts_total - job.artifacts.length) + " more"));
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
}

async function poll() {
  const conn = document.getElementById("conn");
  try {
    const resp = await fetch("/v1/status", { credentials: "same-origin", cache: "no-store" });
    if (!resp.ok) throw new Error(resp.status + " " + (await resp.text()));
    const snap = await resp.json();
    const main = document.getElementById("jobs");
    // Running jobs first, then the newest.
    const jobs = snap.jobs.slice().sort((a, b) =>
      ((b.state === "running") - (a.state === "running")) || (new Date(b.created) - new Date(a.created)));
    main.replaceChildren(...jobs.map((j) => drawJob(j, snap.now)));
    if (!jobs.length) main.replaceChildren(el("p", "none", "No job in the state store yet."));
    conn.className = "conn";
    conn.textContent = "updated " + new Date(snap.now).toLocaleTimeString();
  } catch (e) {
    conn.className = "conn lost";
    conn.textContent = "lost contact with batchd (" + e.message + "); retrying";
  }
  setTimeout(poll, POLL_MS);
}

poll();
