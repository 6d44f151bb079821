// The decoder stages of one event (Fig. 5): a spectrogram and a play button per stage.

import { el } from "./format.js";

export async function showStages(container, caption, api, index, version, play) {
  caption.textContent = `of event ${index}`;
  container.replaceChildren(el("span", {}, "rendering stages…"));
  const { stages } = await api.stages(index);
  container.replaceChildren(...stages.map((name) => {
    const box = el("figure", { class: "stage", "data-stage": name });
    const img = el("img", { alt: `${name} spectrogram`, src: api.stageUrl(index, name, "spectrogram", version) });
    const button = el("button", { type: "button" }, "▶");
    button.addEventListener("click", () => play(api.stageUrl(index, name, "audio", version)));
    const row = el("div");
    row.append(el("span", {}, name), button);
    box.append(img, row);
    return box;
  }));
}
