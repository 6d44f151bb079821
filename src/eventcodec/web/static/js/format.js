// Number formatting and the frequency axis shared by the timeline and the spectrogram image.

export const F_MIN_HZ = 27.5; // matches eventcodec.web.media.F_MIN_HZ
export const F_MAX_HZ = 11025;

export function formatValue(value, unit) {
  const text = Math.abs(value) >= 1e-3 || value === 0 ? Number(value.toPrecision(3)).toString() : value.toExponential(2);
  return unit && unit !== "index" ? `${text} ${unit}` : text;
}

// Fraction of the height (0 = top) for a frequency on the log axis of the image.
export function yOfHz(hz) {
  const f = Math.min(Math.max(hz, F_MIN_HZ), F_MAX_HZ);
  return 1 - Math.log(f / F_MIN_HZ) / Math.log(F_MAX_HZ / F_MIN_HZ);
}

export function el(tag, attrs = {}, text = "") {
  const svg = ["svg", "circle", "rect", "line", "g", "title", "text"].includes(tag);
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}
