// The event map (t-SNE, Fig. 4) and the neighbour list whose items drag onto the timeline.

import { el } from "./format.js";
import { instrumentColour } from "./instruments.js";

const SIZE = 300;
const PAD = 12;

export class EventMap {
  // hooks: {onPick(i)}
  constructor(svg, list, hooks) {
    this.svg = svg;
    this.list = list;
    this.hooks = hooks;
    this.points = [];
    this.labels = []; // instrument of each point (coloured when the svg has class by-instrument)
    this.selection = new Set();
    this.neighbours = new Set();
    svg.addEventListener("click", (e) => {
      const c = e.target.closest && e.target.closest("circle");
      if (c) this.hooks.onPick(Number(c.dataset.index));
    });
  }

  setPoints(points) {
    this.points = points;
    this.draw();
  }

  draw() {
    this.svg.replaceChildren();
    this.points.forEach(([x, y], i) => {
      const c = el("circle", { cx: (PAD + x * (SIZE - 2 * PAD)).toFixed(1), cy: (PAD + (1 - y) * (SIZE - 2 * PAD)).toFixed(1),
        r: "4", "data-index": String(i) });
      c.style.setProperty("--ic", instrumentColour(this.labels[i] || 0));
      c.classList.toggle("selected", this.selection.has(i));
      c.classList.toggle("neighbour", this.neighbours.has(i));
      c.append(el("title", {}, `event ${i}`));
      this.svg.append(c);
    });
  }

  showNeighbours(query, found) {
    this.neighbours = new Set(found.map((n) => n.index).filter((i) => i !== query));
    this.draw();
    this.list.replaceChildren(...found.filter((n) => n.index !== query).map((n) => {
      const li = el("li", { draggable: "true", "data-index": String(n.index),
        title: "distance: how far apart the two events' controls are (weighted; 0 = the same sound)" },
        `event ${n.index} at ${n.time_s.toFixed(2)} s (distance ${n.distance.toFixed(3)})`);
      li.addEventListener("dragstart", (e) => {
        e.dataTransfer.setData("application/x-eventcodec-event", String(n.index));
        e.dataTransfer.effectAllowed = "copy";
      });
      li.addEventListener("click", () => this.hooks.onPick(n.index, { keepNeighbours: true }));
      return li;
    }));
  }

  clearNeighbours() {
    this.neighbours = new Set();
    this.list.replaceChildren();
    this.draw();
  }
}
