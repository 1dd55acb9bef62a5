/**
 * Untrusted text (titles, agencies, file names, URLs, error messages) on its way to a terminal.
 * A report can hold ESC/BEL sequences (`ESC ]0;title BEL` retitles the terminal, CSI sequences
 * recolour it or move the cursor; C1 bytes U+0080–U+009F do the same on some terminals). Every
 * human-readable output of the CLI passes its untrusted parts through `terminalSafe`, which shows
 * each control character visibly instead of sending it: C0 as its Unicode control picture (ESC →
 * ␛, BEL → ␇), DEL as ␡, C1 as `<U+009B>`. Tab and newline stay (multi-line messages), except in
 * `oneLine` mode, where a newline is shown as ␊ so that a value cannot forge a line of output.
 * JSON outputs do not use it: they keep the exact characters (JSON escapes them).
 */

// eslint-disable-next-line no-control-regex -- control characters are what this pattern matches
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

function picture(ch: string, oneLine: boolean): string {
  const code = ch.charCodeAt(0);
  if (code === 0x0a && !oneLine) return ch;
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** The text with every control character but tab (and newline, unless `oneLine`) shown visibly. */
export function terminalSafe(s: string, options: { oneLine?: boolean } = {}): string {
  const oneLine = options.oneLine ?? false;
  return s.replace(CONTROLS, (ch) => picture(ch, oneLine));
}

/** True when the text holds a control character a terminal acts on (ESC, BEL, C1 …). */
export function hasTerminalControls(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what this pattern matches
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(s);
}
