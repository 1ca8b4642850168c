/* vpjnd HTML report: the batch page and each picture's view, drawn from the JSON above.
   Pictures come from the report's _files folder only; plots are SVG drawn here. */
"use strict";
const DATA = JSON.parse(document.getElementById("vpjnd-data").textContent);
const SVG = "http://www.w3.org/2000/svg";
const KEYS = "F flicker, S split, A auto-flicker, \u2190 \u2192 slider, 1 2 4 zoom, O overlay, C codec, N P next/previous, Esc all pictures";

function make(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
const h = (tag, attrs, ...children) => make(document.createElement(tag), attrs, children);
const s = (tag, attrs, ...children) => make(document.createElementNS(SVG, tag), attrs, children);

const none = (v) => v === null || v === undefined;
const fmt = {
  p: (v) => (none(v) ? "\u2013" : v.toFixed(3)),
  pct: (v) => (none(v) ? "\u2013" : `${(100 * v).toFixed(1)} %`),
  bytes: (v) => (none(v) ? "\u2013" : v.toLocaleString("en")),
  s: (v) => (none(v) ? "\u2013" : `${v.toFixed(2)} s`),
};
const url = (view, name) => `${DATA.files}/${view.folder}/${name}`;
const level = (name, label) => (none(label) ? "\u2013" : `${name} ${label}`);

/* ---- the batch page ---- */

const COLUMNS = [
  { title: "" },
  { title: "picture", value: (p) => p.path },
  { title: "status", value: (p) => p.status },
  { title: "codec", value: (p) => p.codec },
  { title: "level", value: (p) => (none(p.level) ? null : parseFloat(p.level)), num: true },
  { title: "P", value: (p) => p.probability, num: true },
  { title: "saving", value: (p) => p.saving, num: true },
];

function renderBatch() {
  const sum = DATA.summary;
  const counts = Object.entries(sum.statuses).map(([status, n]) => `${n} ${status}`).join(", ");
  const bytes = sum.bytes_in ? `; ${fmt.bytes(sum.bytes_in)} bytes in, ${fmt.bytes(sum.bytes_out)} out (${fmt.pct(sum.saving)} smaller)` : "";
  document.getElementById("batch").append(
    h("h1", {}, `vpjnd report: ${DATA.pictures.length} picture${DATA.pictures.length === 1 ? "" : "s"}`),
    h("p", { class: "muted" }, `${counts}${bytes}; ${fmt.s(sum.seconds)}${sum.interrupted ? "; interrupted" : ""}; vpjnd ${DATA.vpjnd}`),
    h("div", { class: "figures" }, histograms()),
    h("h2", {}, "Pictures"),
    table(),
  );
}

function table() {
  const rows = DATA.pictures.map(row);
  const body = h("tbody", {}, rows);
  const cells = COLUMNS.map((column, c) => h("th", { scope: "col", class: column.num ? "num" : null },
    column.value ? h("button", { type: "button", onclick: () => sortBy(c) }, column.title) : column.title));
  let current = -1;
  let direction = 1;
  function sortBy(c) {
    direction = current === c ? -direction : 1;
    current = c;
    const value = COLUMNS[c].value;
    const order = DATA.pictures.map((_, i) => i)
      .sort((a, b) => compare(value(DATA.pictures[a]), value(DATA.pictures[b]), direction) || a - b);
    body.append(...order.map((i) => rows[i]));
    cells.forEach((cell, k) => cell.setAttribute("aria-sort", k === c ? (direction > 0 ? "ascending" : "descending") : "none"));
  }
  return h("table", { id: "pictures" }, h("thead", {}, h("tr", {}, cells)), body);
}

function compare(a, b, direction) {
  if (a === b) return 0;
  if (none(a)) return 1; // empty cells last, either way
  if (none(b)) return -1;
  return (typeof a === "number" ? a - b : String(a).localeCompare(String(b))) * direction;
}

function row(pic, i) {
  const view = pic.view;
  const thumb = view && h("img", { src: url(view, "thumbnail.jpg"), loading: "lazy", decoding: "async", alt: "",
    width: view.thumbnail[0], height: view.thumbnail[1] });
  return h("tr", {},
    h("td", { class: "thumb" }, thumb),
    h("td", {}, h("a", { href: `#p${i}` }, pic.path)),
    h("td", { class: `status-${String(pic.status).replace(/ /g, "-")}` }, pic.status),
    h("td", {}, pic.codec ?? "\u2013"),
    h("td", { class: "num" }, level(pic.setting_name, pic.level)),
    h("td", { class: "num" }, fmt.p(pic.probability)),
    h("td", { class: "num" }, fmt.pct(pic.saving)));
}

function histograms() {
  const codecs = new Map();
  for (const pic of DATA.pictures) {
    if (none(pic.level)) continue;
    if (!codecs.has(pic.codec)) codecs.set(pic.codec, { name: pic.setting_name, levels: [] });
    codecs.get(pic.codec).levels.push(parseFloat(pic.level));
  }
  return [...codecs].map(([codec, { name, levels }]) => histogram(codec, name, levels));
}

function histogram(codec, name, levels) {
  const lo = levels.reduce((a, b) => Math.min(a, b)), hi = levels.reduce((a, b) => Math.max(a, b));
  const width = Math.max(1, Math.ceil((hi - lo + 1) / 40)); // at most 40 bars
  const bins = Math.floor((hi - lo) / width) + 1;
  const counts = new Array(bins).fill(0);
  for (const value of levels) counts[Math.floor((value - lo) / width)] += 1;
  const W = 380, H = 150, L = 34, R = 10, T = 10, B = 34;
  const top = Math.max(...counts), bar = (W - L - R) / bins;
  const y = (n) => T + (1 - n / top) * (H - T - B);
  const svg = s("svg", { class: "histogram", width: W, height: H, viewBox: `0 0 ${W} ${H}` },
    s("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }),
    s("text", { x: L - 6, y: y(top) + 4, "text-anchor": "end" }, top),
    s("text", { x: L - 6, y: H - B + 4, "text-anchor": "end" }, 0),
    s("text", { x: (W + L - R) / 2, y: H - 4, "text-anchor": "middle" }, `${name} chosen`));
  const labelled = counts.filter((n) => n).length <= 12 ? counts.map((n) => n > 0) : counts.map((_, k) => !k || k === bins - 1);
  counts.forEach((n, k) => {
    if (labelled[k]) svg.append(s("text", { x: L + (k + 0.5) * bar, y: H - B + 14, "text-anchor": "middle" }, lo + k * width));
    const from = lo + k * width, range = width > 1 ? `${from}\u2013${from + width - 1}` : from;
    svg.append(s("rect", { class: "bar", x: L + k * bar + 1, y: y(n), width: Math.max(1, bar - 2), height: H - B - y(n) },
      s("title", {}, `${name} ${range}: ${n}`)));
  });
  return h("div", { class: "figure" }, h("h3", {}, `Chosen levels, ${codec} (${levels.length})`), svg);
}

/* ---- one picture ---- */

let viewer = null; // the picture shown: its state and keyboard actions

function renderPicture(index) {
  const pic = DATA.pictures[index];
  const root = document.getElementById("picture");
  const go = (k) => (k >= 0 && k < DATA.pictures.length ? h("a", { href: `#p${k}` }, k < index ? "\u2190 previous" : "next \u2192") : null);
  root.replaceChildren(
    h("nav", { class: "bar" }, h("a", { href: "#" }, "all pictures"), go(index - 1), go(index + 1)),
    h("h1", {}, pic.path),
    h("p", { class: `status-${String(pic.status).replace(/ /g, "-")}` }, [pic.status, pic.note, pic.error].filter(Boolean).join(": ")),
  );
  viewer = { index, actions: {} };
  if (!pic.view) {
    root.append(facts(pic, null));
    return;
  }
  const view = pic.view;
  const state = { candidate: Math.max(0, view.candidates.findIndex((c) => c.codec === pic.codec)), zoom: 1, split: 50,
    show: "split", overlay: "none", opacity: 0.6, timer: null };
  const original = h("img", { class: "original", src: url(view, "original.png"), alt: "original" });
  const candidate = h("img", { class: "candidate", alt: "candidate" });
  const overlay = h("img", { class: "overlay", alt: "heat map", hidden: true });
  const divider = h("div", { class: "divider" });
  const stage = h("div", { class: "stage" }, original, candidate, overlay, divider);
  const viewport = h("div", { class: "viewport", tabindex: 0 }, stage);
  const slider = h("input", { type: "range", min: 0, max: 100, step: 0.1, value: 50, "aria-label": "split position",
    oninput: () => { state.split = Number(slider.value); update(); } });
  const caption = h("span", { class: "caption" });
  const button = (text, onclick) => h("button", { type: "button", onclick }, text);
  const buttons = {
    split: button("Split (S)", () => setShow("split")),
    flicker: button("Flicker (F)", flip),
    auto: button("Auto (A)", auto),
    zoom: [1, 2, 4].map((z) => button(`${z}\u00d7`, () => zoom(z))),
    overlay: ["none", "jnd", "error"].map((o) => button({ none: "none", jnd: "JND map", error: "error map" }[o], () => setOverlay(o))),
    codecs: view.candidates.map((c, k) => button(`${c.codec}, ${fmt.bytes(c.bytes)} bytes`, () => choose(k))),
  };
  const opacity = h("input", { type: "range", min: 0, max: 1, step: 0.05, value: state.opacity, "aria-label": "overlay opacity",
    oninput: () => { state.opacity = Number(opacity.value); update(); } });
  const plotBox = h("div", { class: "figure" });
  const factsBox = h("div", { class: "figure" });

  function update() {
    const c = view.candidates[state.candidate];
    const source = url(view, c.image);
    if (candidate.getAttribute("src") !== source) candidate.src = source;
    const ratio = window.devicePixelRatio || 1; // 1x: one picture pixel per screen pixel
    stage.style.width = `${(view.width * state.zoom) / ratio}px`;
    stage.style.height = `${(view.height * state.zoom) / ratio}px`;
    const split = state.show === "split";
    stage.classList.toggle("flicker", !split);
    stage.dataset.showing = state.show;
    candidate.hidden = state.show === "original";
    candidate.style.clipPath = split ? `inset(0 0 0 ${state.split}%)` : "none";
    divider.style.left = `${state.split}%`;
    slider.value = state.split;
    slider.disabled = !split;
    overlay.hidden = state.overlay === "none";
    if (!overlay.hidden) overlay.src = url(view, state.overlay === "jnd" ? "jnd.png" : c.error);
    overlay.style.opacity = state.opacity;
    const name = `${c.codec} ${level(c.setting_name, c.shown_label)}`;
    caption.textContent = split ? `original \u2190 | \u2192 ${name}` : `showing ${state.show === "original" ? "the original" : name}`;
    buttons.split.setAttribute("aria-pressed", split);
    buttons.flicker.setAttribute("aria-pressed", !split);
    buttons.auto.setAttribute("aria-pressed", state.timer !== null);
    buttons.zoom.forEach((b, k) => b.setAttribute("aria-pressed", [1, 2, 4][k] === state.zoom));
    buttons.overlay.forEach((b, k) => b.setAttribute("aria-pressed", ["none", "jnd", "error"][k] === state.overlay));
    buttons.codecs.forEach((b, k) => b.setAttribute("aria-pressed", k === state.candidate));
  }
  function setShow(show) {
    state.show = show;
    update();
  }
  function flip() {
    setShow(state.show === "candidate" ? "original" : "candidate");
  }
  function auto() {
    if (state.timer === null) state.timer = setInterval(flip, 500);
    else stopAuto();
    update();
  }
  function stopAuto() {
    clearInterval(state.timer);
    state.timer = null;
  }
  function zoom(z) {
    const cx = (viewport.scrollLeft + viewport.clientWidth / 2) / stage.offsetWidth;
    const cy = (viewport.scrollTop + viewport.clientHeight / 2) / stage.offsetHeight;
    state.zoom = z;
    update();
    viewport.scrollLeft = cx * stage.offsetWidth - viewport.clientWidth / 2;
    viewport.scrollTop = cy * stage.offsetHeight - viewport.clientHeight / 2;
  }
  function setOverlay(o) {
    state.overlay = o;
    update();
  }
  function choose(k) {
    state.candidate = k;
    update();
    const c = view.candidates[k];
    plotBox.replaceChildren(h("h3", {}, `P(no visible difference), ${c.codec}: ${c.points.length} levels evaluated`),
      plot(c, pic.sur));
    factsBox.replaceChildren(h("h3", {}, "Numbers"), facts(pic, c));
  }
  function splitAt(event) {
    const box = stage.getBoundingClientRect();
    state.split = Math.min(100, Math.max(0, (100 * (event.clientX - box.left)) / box.width));
    update();
  }
  stage.addEventListener("pointerdown", (event) => {
    if (state.show !== "split") return;
    stage.setPointerCapture(event.pointerId);
    splitAt(event);
  });
  stage.addEventListener("pointermove", (event) => { if (stage.hasPointerCapture(event.pointerId)) splitAt(event); });

  viewer.stop = stopAuto;
  viewer.actions = {
    f: flip, s: () => setShow("split"), a: auto, 1: () => zoom(1), 2: () => zoom(2), 4: () => zoom(4),
    o: () => setOverlay({ none: "jnd", jnd: "error", error: "none" }[state.overlay]),
    c: () => choose((state.candidate + 1) % view.candidates.length),
    ArrowLeft: () => { state.split = Math.max(0, state.split - 5); setShow("split"); },
    ArrowRight: () => { state.split = Math.min(100, state.split + 5); setShow("split"); },
  };
  const legend = h("span", { class: "legend" }, "0", h("span", { class: "ramp" }), `${view.scale} grey levels`);
  root.append(
    h("div", { class: "controls" },
      view.candidates.length > 1 ? h("span", { class: "group" }, "codec", buttons.codecs) : null,
      h("span", { class: "group" }, buttons.split, buttons.flicker, buttons.auto),
      h("span", { class: "group" }, "zoom", buttons.zoom),
      h("span", { class: "group" }, "overlay", buttons.overlay, opacity, legend)),
    viewport,
    h("div", { class: "slider" }, slider, caption),
    h("p", { class: "muted" }, `Keys: ${KEYS}. Heat maps: the JND map (the visibility threshold) and the candidate's `
      + "error |Y original \u2212 Y candidate| (BT.601 luma), on one scale."),
    h("div", { class: "figures" }, plotBox, factsBox));
  choose(state.candidate);
  viewport.focus({ preventScroll: true });
}

function plot(c, sur) {
  const W = 520, H = 230, L = 44, R = 14, T = 12, B = 40;
  const x = (i) => L + (c.levels > 1 ? i / (c.levels - 1) : 0.5) * (W - L - R);
  const y = (p) => T + (1 - p) * (H - T - B);
  const svg = s("svg", { class: "plot", width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": `probability at each evaluated ${c.setting_name}` });
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s("line", { class: p ? "grid" : "axis", x1: L, x2: W - R, y1: y(p), y2: y(p) }),
      s("text", { x: L - 6, y: y(p) + 4, "text-anchor": "end" }, p));
  }
  svg.append(
    s("text", { x: L, y: H - B + 15, "text-anchor": "start" }, c.ladder[0]),
    s("text", { x: W - R, y: H - B + 15, "text-anchor": "end" }, c.ladder[1]),
    s("text", { x: (W + L - R) / 2, y: H - 6, "text-anchor": "middle" }, `${c.setting_name}, least to most distorted`),
    s("line", { class: "sur", x1: L, x2: W - R, y1: y(sur), y2: y(sur) }),
    s("text", { x: W - R - 2, y: y(sur) - 4, "text-anchor": "end" }, `SUR ${sur}`),
    s("polyline", { class: "curve", points: c.points.map(([i, , p]) => `${x(i)},${y(p)}`).join(" ") }));
  if (!none(c.chosen)) {
    const label = `${c.setting_name} ${c.points.find(([i]) => i === c.chosen)[1]}`;
    svg.append(s("line", { class: "chosen", x1: x(c.chosen), x2: x(c.chosen), y1: T, y2: H - B }, s("title", {}, `chosen: ${label}`)),
      s("text", { x: x(c.chosen) - 4, y: H - B - 6, "text-anchor": "end" }, `chosen ${label}`)); // less distorted levels pass: room there
  }
  if (c.shown !== c.chosen) {
    svg.append(s("line", { class: "written", x1: x(c.shown), x2: x(c.shown), y1: T, y2: H - B },
      s("title", {}, `shown: ${c.setting_name} ${c.shown_label}`)));
  }
  for (const [i, label, p] of c.points) {
    svg.append(s("circle", { class: `point ${p >= sur ? "pass" : "fail"}`, cx: x(i), cy: y(p), r: 3.5, "data-level": label },
      s("title", {}, `${c.setting_name} ${label}: P ${p.toFixed(3)}`)));
  }
  return svg;
}

function facts(pic, c) {
  const row = (key, raw, text = raw) => (none(raw) ? null : h("tr", {}, h("td", {}, key), h("td", {}, text)));
  const at = (label, p) => `${level(pic.setting_name, label)}, P ${fmt.p(p)}`;
  const rows = [
    row("input", pic.path), row("output", pic.output), row("codec", pic.codec), row("criterion", pic.criterion),
    row("judge", pic.judge, pic.weights ? `${pic.judge} (${pic.weights})` : pic.judge), row("JND model", pic.jnd_model),
    row("SUR", pic.sur), row("chosen level", pic.level, at(pic.level, pic.probability)),
    pic.written_level !== pic.level ? row("written level", pic.written_level, at(pic.written_level, pic.written_probability)) : null,
  ];
  if (c) {
    const saving = pic.bytes_in ? ` (${fmt.pct(1 - c.bytes / pic.bytes_in)} smaller than the input)` : "";
    if (c.codec !== pic.codec) rows.push(row(`${c.codec} candidate`, c.shown_label, `${level(c.setting_name, c.shown_label)}, P ${fmt.p(c.shown_probability)}`));
    rows.push(row(`${c.codec} bytes`, c.bytes, fmt.bytes(c.bytes) + saving));
  }
  rows.push(row("bytes in", pic.bytes_in, fmt.bytes(pic.bytes_in)), row("bytes out", pic.bytes_out, fmt.bytes(pic.bytes_out)),
    row("saving", pic.saving, fmt.pct(pic.saving)), row("evaluations", pic.evaluations));
  for (const [stage, seconds] of Object.entries(pic.seconds)) rows.push(row(`time: ${stage}`, seconds, fmt.s(seconds)));
  return h("table", { class: "facts" }, rows);
}

/* ---- routing and keys ---- */

let batchScroll = 0;
function route() {
  const match = /^#p(\d+)$/.exec(location.hash);
  const index = match ? Number(match[1]) : -1;
  const batch = document.getElementById("batch");
  const picture = document.getElementById("picture");
  if (viewer && viewer.stop) viewer.stop();
  viewer = null;
  if (index >= 0 && index < DATA.pictures.length) {
    if (!batch.hidden) batchScroll = window.scrollY;
    batch.hidden = true;
    picture.hidden = false;
    renderPicture(index);
    window.scrollTo(0, 0);
  } else {
    picture.hidden = true;
    picture.replaceChildren();
    batch.hidden = false;
    window.scrollTo(0, batchScroll);
  }
}

document.addEventListener("keydown", (event) => {
  if (!viewer || event.altKey || event.ctrlKey || event.metaKey) return;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (event.target instanceof HTMLInputElement && key.startsWith("Arrow")) return; // a slider moves itself
  const step = { n: 1, p: -1 }[key];
  if (step) {
    const next = viewer.index + step;
    if (next >= 0 && next < DATA.pictures.length) location.hash = `#p${next}`;
  } else if (key === "Escape") {
    location.hash = "";
  } else if (viewer.actions[key]) {
    viewer.actions[key]();
  } else {
    return;
  }
  event.preventDefault();
});
window.addEventListener("hashchange", route);
renderBatch();
route();
