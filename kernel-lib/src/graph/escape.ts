const XML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for XML content and attribute values, and drops the characters XML 1.0
 * cannot carry at all (control characters other than tab, newline and carriage return, lone surrogates).
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]/gu, "")
    .replace(/[&<>"']/g, (char) => XML_ESCAPES[char]!);
}
