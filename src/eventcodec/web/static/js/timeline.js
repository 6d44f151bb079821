// The timeline: events as dots (time across, f0 up) over the spectrogram; select, move, drop, hover.

import { el, formatValue, yOfHz } from "./format.js";
import { instrumentColour } from "./instruments.js";

const DRAG_PX = 4;

export class Timeline {
  // hooks: {onHover(i|null), onClick(i), onSelect(), onMove(offsetS), onDrop(target, source)}
  constructor(root, svg, tooltip, playhead, axis, hooks) {
    this.root = root;
    this.axis = axis;
    this.svg = svg;
    this.tooltip = tooltip;
    this.playhead = playhead;
    this.hooks = hooks;
    this.view = null;
    this.schema = null;
    this.selection = new Set();
    this.neighbours = new Set();
    this.gesture = null;
    this.colourBy = "instrument"; // or "pitched": pitched white, unpitched blue
    svg.addEventListener("pointerdown", (e) => this.down(e));
    svg.addEventListener("pointermove", (e) => this.move(e));
    svg.addEventListener("pointerup", (e) => this.up(e));
    svg.addEventListener("pointerleave", () => this.hover(null));
    root.addEventListener("dragover", (e) => this.dragOver(e));
    root.addEventListener("dragleave", () => this.markDropTarget(null));
    root.addEventListener("drop", (e) => this.drop(e));
    new ResizeObserver(() => this.draw()).observe(root);
  }

  setData(view, schema) {
    this.view = view;
    this.schema = schema;
    this.col = Object.fromEntries(schema.controls.map((c, i) => [c.name, i]));
    this.draw();
  }

  size() {
    return [this.root.clientWidth || 1, this.root.clientHeight || 1];
  }

  xOf(timeS) {
    return (timeS / Math.max(this.view.duration_s, 1e-9)) * this.size()[0];
  }

  position(ev) {
    const [w, h] = this.size();
    const edge = 8; // the largest dot stays whole at the top and bottom edges (e.g. 30 Hz)
    return [this.xOf(ev.time_s), Math.min(Math.max(yOfHz(ev.centre_hz) * h, edge), h - edge), w];
  }

  radius(ev) {
    if (this.view.space !== "controls") return 4;
    const db = ev.controls[this.col.amp_db];
    return 2.5 + 5 * Math.min(Math.max((db + 60) / 60, 0), 1);
  }

  draw() {
    if (!this.view) return;
    const [w, h] = this.size();
    this.svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    this.svg.replaceChildren();
    this.svg.classList.toggle("by-instrument", this.colourBy === "instrument");
    const tails = el("g", { class: "tails" });
    this.svg.append(tails);
    for (const hz of [50, 100, 200, 500, 1000, 2000, 5000, 10000]) {
      const y = yOfHz(hz) * h;
      tails.append(el("line", { x1: 0, x2: 6, y1: y.toFixed(1), y2: y.toFixed(1), class: "grid" }));
      tails.append(el("text", { x: 9, y: (y + 4).toFixed(1), class: "grid" }, hz >= 1000 ? `${hz / 1000}k` : `${hz}`));
    }
    this.drawAxis(w);
    for (const ev of this.view.events) {
      const [x, y] = this.position(ev);
      const colour = instrumentColour(ev.instrument); // set through the CSSOM: the CSP refuses style attributes
      const tail = el("line", { x1: x.toFixed(1), x2: this.xOf(ev.time_s + ev.length_s).toFixed(1),
        y1: y.toFixed(1), y2: y.toFixed(1), class: ev.pitched ? "tail pitched" : "tail" });
      tail.style.setProperty("--ic", colour);
      tails.append(tail);
      const c = el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: this.radius(ev).toFixed(1),
        class: ev.pitched ? "event pitched" : "event noise", "data-index": String(ev.index) });
      c.style.setProperty("--ic", colour);
      c.classList.toggle("selected", this.selection.has(ev.index));
      c.classList.toggle("neighbour", this.neighbours.has(ev.index));
      this.svg.append(c);
    }
  }

  setColourBy(mode) {
    this.colourBy = mode;
    this.svg.classList.toggle("by-instrument", mode === "instrument");
  }

  drawAxis(w) {
    const d = this.view.duration_s;
    const step = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60].find((s) => (s / d) * w >= 60) || 60;
    const ticks = [];
    for (let t = 0; t <= d + 1e-9; t += step) {
      const tick = el("span", {}, `${Number(t.toFixed(2))} s`);
      tick.style.left = `${(t / d) * 100}%`;
      ticks.push(tick);
    }
    this.axis.replaceChildren(...ticks);
  }

  refreshClasses() {
    for (const c of this.svg.querySelectorAll(".event")) {
      const i = Number(c.dataset.index);
      c.classList.toggle("selected", this.selection.has(i));
      c.classList.toggle("neighbour", this.neighbours.has(i));
    }
  }

  indexAt(target) {
    return target && target.classList && target.classList.contains("event") ? Number(target.dataset.index) : null;
  }

  local(e) {
    const r = this.svg.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  down(e) {
    if (!this.view || e.button !== 0) return;
    this.svg.setPointerCapture(e.pointerId);
    const [x, y] = this.local(e);
    const index = this.indexAt(e.target);
    const wasSelected = index !== null && this.selection.has(index);
    if (index !== null && !wasSelected) {
      if (!e.shiftKey) this.selection.clear();
      this.selection.add(index);
      this.refreshClasses();
      this.hooks.onSelect();
    }
    this.gesture = { index, wasSelected, x0: x, y0: y, dragging: false, shift: e.shiftKey, box: null };
  }

  move(e) {
    const [x, y] = this.local(e);
    const g = this.gesture;
    if (!g) {
      this.hover(this.indexAt(e.target), x, y);
      return;
    }
    if (!g.dragging && Math.hypot(x - g.x0, y - g.y0) > DRAG_PX) g.dragging = true;
    if (!g.dragging) return;
    if (g.index !== null) {
      for (const c of this.svg.querySelectorAll(".event.selected")) {
        c.setAttribute("transform", `translate(${x - g.x0} 0)`);
      }
    } else {
      if (!g.box) {
        g.box = el("rect", { class: "box" });
        this.svg.append(g.box);
      }
      g.box.setAttribute("x", Math.min(x, g.x0));
      g.box.setAttribute("y", Math.min(y, g.y0));
      g.box.setAttribute("width", Math.abs(x - g.x0));
      g.box.setAttribute("height", Math.abs(y - g.y0));
    }
  }

  up(e) {
    const g = this.gesture;
    this.gesture = null;
    if (!g) return;
    const [x, y] = this.local(e);
    if (g.index !== null && g.dragging) {
      const offsetS = ((x - g.x0) / this.size()[0]) * this.view.duration_s;
      this.hooks.onMove(offsetS);
    } else if (g.index !== null) {
      if (g.shift && g.wasSelected) this.selection.delete(g.index);
      else if (!g.shift) this.selection = new Set([g.index]);
      this.refreshClasses();
      this.hooks.onSelect();
      this.hooks.onClick(g.index);
    } else if (g.dragging) {
      const [x0, x1] = [Math.min(x, g.x0), Math.max(x, g.x0)];
      const [y0, y1] = [Math.min(y, g.y0), Math.max(y, g.y0)];
      if (!g.shift) this.selection.clear();
      for (const ev of this.view.events) {
        const [ex, ey] = this.position(ev);
        const r = this.radius(ev); // a dot touched by the box counts, so events at the edges can be reached
        if (ex + r >= x0 && ex - r <= x1 && ey + r >= y0 && ey - r <= y1) this.selection.add(ev.index);
      }
      if (g.box) g.box.remove();
      this.refreshClasses();
      this.hooks.onSelect();
    } else {
      if (!g.shift) this.selection.clear();
      this.refreshClasses();
      this.hooks.onSelect();
      this.hooks.onSeek((x / this.size()[0]) * this.view.duration_s);
    }
  }

  hover(index, x = 0, y = 0) {
    if (index === null || !this.view) {
      this.tooltip.hidden = true;
      this.hooks.onHover(null);
      return;
    }
    const ev = this.view.events[index];
    const lines = [`#${index} at ${ev.time_s.toFixed(3)} s`];
    if (this.view.space === "controls") {
      lines.push(`${ev.pitched ? "pitched" : "unpitched (drawn at its noise band)"} · instrument ${ev.instrument}`);
      for (const name of ["f0_hz", "amp_db", "decay_s", "tonal_mix", "room_id"]) {
        const c = this.schema.controls[this.col[name]];
        lines.push(`${name} ${formatValue(ev.controls[this.col[name]], c.unit)}`);
      }
    }
    this.tooltip.replaceChildren(...lines.map((t) => el("div", {}, t)));
    this.tooltip.hidden = false;
    const [w, h] = this.size();
    const [tw, th] = [this.tooltip.offsetWidth, this.tooltip.offsetHeight];
    this.tooltip.style.left = `${x + 12 + tw < w ? x + 12 : Math.max(x - 12 - tw, 0)}px`;
    this.tooltip.style.top = `${Math.max(Math.min(y - 10, h - th - 4), 0)}px`;
    this.hooks.onHover(index);
  }

  setPlayhead(timeS) {
    if (timeS === null || !this.view) {
      this.playhead.classList.remove("on");
      return;
    }
    this.playhead.classList.add("on");
    this.playhead.style.left = `${this.xOf(timeS)}px`;
  }

  markDropTarget(index) {
    for (const c of this.svg.querySelectorAll(".drop-target")) c.classList.remove("drop-target");
    if (index !== null) {
      const c = this.svg.querySelector(`.event[data-index="${index}"]`);
      if (c) c.classList.add("drop-target");
    }
  }

  dropTargetAt(e) {
    const hit = document.elementFromPoint(e.clientX, e.clientY);
    const index = this.indexAt(hit);
    if (index !== null) return index;
    return this.selection.size === 1 ? [...this.selection][0] : null;
  }

  dragOver(e) {
    if (!e.dataTransfer || ![...e.dataTransfer.types].includes("application/x-eventcodec-event")) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    this.markDropTarget(this.dropTargetAt(e));
  }

  drop(e) {
    const source = e.dataTransfer && e.dataTransfer.getData("application/x-eventcodec-event");
    if (source === "" || source === undefined || source === null) return;
    e.preventDefault();
    const target = this.dropTargetAt(e);
    this.markDropTarget(null);
    this.hooks.onDrop(target, Number(source));
  }
}
