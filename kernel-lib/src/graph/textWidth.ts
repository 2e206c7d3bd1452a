/**
 * Estimated advance widths in em, close to DejaVu Sans (the widest common fallback for
 * `sans-serif`), so a label measured here fits its box in narrower fonts too.
 */
const NARROW = new Set([..."ijlI.,:;'|!`"]);
const SLIM = new Set([...'ftr-()[]{} /\\"*']);
const WIDE = new Set([..."mwMW@%<>=+~"]);

function charEm(char: string): number {
  if (NARROW.has(char)) return 0.3;
  if (SLIM.has(char)) return 0.4;
  if (WIDE.has(char)) return 0.95;
  if (char >= "A" && char <= "Z") return 0.72;
  if (char >= "0" && char <= "9") return 0.64;
  if (char === "_") return 0.5;
  if (char.codePointAt(0)! > 0x2e7f) return 1;
  return 0.62;
}

/** Estimated width in pixels of `text` set in a sans-serif font of `fontSize` pixels. */
export function estimateTextWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const char of text) em += charEm(char);
  return em * fontSize * (bold ? 1.12 : 1);
}
