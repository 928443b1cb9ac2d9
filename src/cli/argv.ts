/**
 * The command line's parser: long options (`--name value`, `--name=value`), short ones (`-u
 * value`, `-uvalue`, booleans grouped as `-vq`), `--` before positionals, and nothing else.
 * Strict, with the same rules and messages as node:util's parseArgs, which it replaces: loading
 * node:util's public module cost a single check about 2 ms of its start-up (BENCHMARKS.md,
 * section 12). Each error is a ParseError: the caller makes it a usage error.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Every occurrence kept, in order (a string[]), instead of the last. */
  multiple?: boolean;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;
export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export class ParseError extends Error {
  override name = 'ParseError';
}

const has = (specs: OptionSpecs, name: string): boolean => Object.prototype.hasOwnProperty.call(specs, name);

/** `-u, --user` or `--json`, as the messages name an option. */
function shown(specs: OptionSpecs, name: string): string {
  const short = specs[name]!.short;
  return short === undefined ? `--${name}` : `-${short}, --${name}`;
}

/** What a value that follows a string option must not look like: another option. */
const optionLike = (value: string): boolean => value.length > 1 && value.startsWith('-');

export function parseArgv(
  argv: readonly string[],
  specs: OptionSpecs,
): { values: ParsedValues; positionals: string[] } {
  const values: ParsedValues = Object.create(null) as ParsedValues;
  const positionals: string[] = [];
  const shortToLong = new Map<string, string>();
  // By key, not Object.entries: no [name, spec] array made for each of some thirty options.
  for (const name in specs) {
    const short = specs[name]!.short;
    if (short !== undefined) shortToLong.set(short, name);
  }

  const store = (name: string, value: string | boolean): void => {
    if (specs[name]!.multiple !== true) values[name] = value;
    else ((values[name] as (string | boolean)[] | undefined) ?? (values[name] = [])).push(value as string);
  };
  /** One option: `raw` as written, `inline` its `=value` or glued value, `next` the argument after it. */
  const option = (name: string | undefined, raw: string, inline: string | undefined, next: string | undefined) => {
    if (name === undefined || !has(specs, name)) throw new ParseError(`Unknown option '${raw}'`);
    if (specs[name]!.type === 'boolean') {
      if (inline !== undefined) throw new ParseError(`Option '${shown(specs, name)}' does not take an argument`);
      store(name, true);
      return 0;
    }
    if (inline !== undefined) {
      store(name, inline);
      return 0;
    }
    if (next === undefined) throw new ParseError(`Option '${shown(specs, name)} <value>' argument missing`);
    if (optionLike(next)) {
      const long = `--${name}=-XYZ`;
      const example = raw.startsWith('--') ? `'${long}'` : `'${long}' or '${raw}-XYZ'`;
      throw new ParseError(
        `Option '${raw}' argument is ambiguous.\nDid you forget to specify the option argument for '${raw}'?\nTo specify an option argument starting with a dash use ${example}.`,
      );
    }
    store(name, next);
    return 1;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=', 3); // `--=` is an option named '=', as parseArgs has it
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      i += option(name, eq === -1 ? arg : arg.slice(0, eq), eq === -1 ? undefined : arg.slice(eq + 1), argv[i + 1]);
    } else if (arg.length > 1 && arg.startsWith('-')) {
      i += shorts(arg, shortToLong, specs, (name, raw, inline) => option(name, raw, inline, argv[i + 1]));
    } else {
      positionals.push(arg);
    }
  }
  return { values, positionals };
}

/**
 * `-u`, `-uvalue` or a group such as `-vq`: each letter a boolean, except that a string
 * option takes the rest of the group as its value, or the next argument when it ends the group.
 * Returns how many arguments after this one were used (0 or 1).
 */
function shorts(
  arg: string,
  shortToLong: ReadonlyMap<string, string>,
  specs: OptionSpecs,
  option: (name: string | undefined, raw: string, inline: string | undefined) => number,
): number {
  for (let at = 1; at < arg.length; at++) {
    const name = shortToLong.get(arg[at]!);
    const last = at === arg.length - 1;
    if (name !== undefined && specs[name]!.type === 'string' && !last)
      return option(name, `-${arg[at]}`, arg.slice(at + 1));
    const used = option(name, `-${arg[at]}`, undefined);
    if (last) return used;
  }
  return 0;
}
