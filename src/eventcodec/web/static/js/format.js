// Number formatting and the frequency axis shared by the timeline and the spectrogram image.

export const F_MIN_HZ = 27.5; // matches eventcodec.web.media.F_MIN_HZ
export const F_MAX_HZ = 11025;

export function formatValue(value, unit) {
  const parts = valueParts(value, unit);
  return parts.unit ? `${parts.text} ${parts.unit}` : parts.text;
}

// A control's value as a reader wants it: {text, unit}; indexes and sample counts whole, short times in ms.
export function valueParts(value, unit) {
  if (unit === "index") return { text: `${Math.round(value)}`, unit: "" };
  if (unit === "samples") return { text: `${Math.round(value)}`, unit };
  if (unit === "s" && value !== 0 && Math.abs(value) < 1) return { text: readable(value * 1000), unit: "ms" };
  return { text: readable(value), unit };
}

// Three significant digits; what rounds below a thousandth reads as ~0 (a control at its floor, not 1.00e-6).
function readable(value) {
  if (value !== 0 && Math.abs(value) < 1e-3) return "~0";
  return Number(value.toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 3 });
}

// A control's name as a reader says it (units go in their own column); filters use the plain name.
export function controlLabel(name) {
  return name.replace(/_(hz|db|s|db_oct|cents)$/, "").replaceAll("_", " ");
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
