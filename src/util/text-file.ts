/**
 * Reading a small text file that a person wrote (a targets file, a web config, an option
 * file): the whole file, bounded in size, strictly UTF-8. Below both serve and the CLI; it
 * imports nothing of the project.
 */
import { readFileSync } from 'node:fs';

/** Why a file could not be read as text; `message` names the file and the reason. */
export class TextFileError extends Error {
  override readonly name = 'TextFileError';
  /** `read`: the file system refused (see `code`); `size`: over the limit; `utf8`: not valid UTF-8. */
  readonly kind: 'read' | 'size' | 'utf8';
  /** The file system's error code (ENOENT, EACCES, EISDIR...) when `kind` is `read`. */
  readonly code: string | undefined;

  constructor(kind: TextFileError['kind'], message: string, code?: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.code = code;
  }
}

/** The file's text; throws TextFileError, or what `toError` makes of it (the caller's own error class). */
export function readTextFile(
  file: string,
  maxBytes = Infinity,
  toError: (e: TextFileError) => Error = (e) => e,
): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw toError(new TextFileError('read', `${file}: cannot read (${code ?? 'error'})`, code, { cause: err }));
  }
  if (bytes.length > maxBytes) throw toError(new TextFileError('size', `${file}: larger than ${maxBytes} bytes`));
  try {
    // fatal: a Latin-1 byte (a password, say) must not silently become U+FFFD.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw toError(new TextFileError('utf8', `${file}: not valid UTF-8`));
  }
}
