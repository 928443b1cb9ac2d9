/**
 * The few terminal sequences `watch` needs (ECMA-48 / xterm), and the colour decision. Ours and
 * small: no runtime dependency.
 */
const CSI = '\u001b[';

export const ANSI = {
  /** xterm's alternate screen: the user's scrollback is left untouched, and comes back on leave. */
  enterAltScreen: `${CSI}?1049h`,
  leaveAltScreen: `${CSI}?1049l`,
  hideCursor: `${CSI}?25l`,
  showCursor: `${CSI}?25h`,
  home: `${CSI}H`,
  /** Erase to the end of the line, and from the cursor to the end of the screen. */
  clearLine: `${CSI}K`,
  clearBelow: `${CSI}J`,
  reset: `${CSI}0m`,
} as const;

export type Colour = 'green' | 'yellow' | 'red' | 'magenta' | 'cyan' | 'bold' | 'dim';

const CODES: Record<Colour, string> = {
  green: '32',
  yellow: '33',
  red: '31',
  magenta: '35',
  cyan: '36',
  bold: '1',
  dim: '2',
};

/** `text` in a colour, or as is when colours are off. */
export function paint(on: boolean, colour: Colour | undefined, text: string): string {
  return on && colour !== undefined && text !== '' ? `${CSI}${CODES[colour]}m${text}${ANSI.reset}` : text;
}

export type ColorMode = 'auto' | 'always' | 'never';

/**
 * `--color`: `always` and `never` win; `auto` colours a terminal unless `NO_COLOR` is set to
 * anything non-empty (no-color.org).
 */
export function useColour(mode: ColorMode, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (mode !== 'auto') return mode === 'always';
  return isTTY && (env['NO_COLOR'] ?? '') === '';
}

/** Sequences of ESC [ ... final byte: what `paint` and the screen codes add. */
const SEQUENCE = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** The text without its escape sequences (for widths, and for tests). */
export function plain(text: string): string {
  return text.replace(SEQUENCE, '');
}
