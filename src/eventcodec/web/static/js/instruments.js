// Instruments (events grouped by timbre on the server): one colour each, and a list whose entries select them.

import { el } from "./format.js";

// 16 colours apart on a dark background; none is the selection's yellow
export const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#9c755f", "#ff9da7", "#76b7b2",
  "#bab0ac", "#8cd17d", "#a0cbe8", "#d37295", "#ffbe7d", "#c8e64c", "#00bcd4", "#f0f0f0"];

export function instrumentColour(label) {
  return PALETTE[((label % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

export class InstrumentList {
  // onPick(label, additive): select the instrument's events (shift-click adds them to the selection)
  constructor(list, onPick) {
    this.list = list;
    this.onPick = onPick;
  }

  show(view) {
    this.list.hidden = view.instruments.length === 0;
    this.list.replaceChildren(...view.instruments.map((x) => {
      const range = x.pitch_range ? ` ${x.pitch_range}` : "";
      const li = el("li", { "data-instrument": String(x.index), title: "click: select its events (shift adds)" });
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = instrumentColour(x.index);
      li.append(swatch, el("span", {}, `${x.index}: ${x.description} · ${x.n_events} ev${range}`));
      li.addEventListener("click", (e) => this.onPick(x.index, e.shiftKey));
      return li;
    }));
  }
}
