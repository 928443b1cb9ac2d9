/**
 * Prints the floor script's statements (FLOOR_SQL of bench/lib.ts, as bench:cli and
 * bench:instructions give them to bench/floor.cjs) as one line of shell words, each quoted, for
 * the command lines in BENCHMARKS.md:
 *   SQL="$(npx tsx bench/floor-sql.ts)"
 *   eval "node bench/floor.cjs 127.0.0.1 3311 gp_native tls $SQL"            (eval: the quotes are words)
 *   node bench/ab-cli.mjs 100 "floor=node bench/floor.cjs 127.0.0.1 3311 gp_native tls $SQL" ...
 */
import { FLOOR_SQL } from './lib.js';

const quoted = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
process.stdout.write(`${FLOOR_SQL.map(quoted).join(' ')}\n`);
