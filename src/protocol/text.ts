/** Strips control characters from server-provided text before it reaches a terminal or a log. */
export function printable(text: string, max = 200): string {
  // The regular expression only when there is something to replace: V8 compiles one on its
  // first use, and server texts seldom hold control characters.
  // eslint-disable-next-line no-control-regex
  const clean = hasControl(text) ? text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?') : text;
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
