#!/usr/bin/env node
// Thin launcher. Everything is in the library; the CLI is bundled by `npm run build`
// (scripts/bundle-cli.ts). Each command's bundle (dist/cli-*.cjs) is the whole CLI with that
// command inside; dist/galera-probe.cjs holds only the part that picks the command and answers
// --help and --version. The launcher picks one by the first argument (any of them would run any
// command line right: the choice only spares loading code) and compiles it with the V8 code cache
// the build made beside it (BUNDLE.cache: the build's id, then V8's data), which saves most of the
// compiling. A cache from another build is not used (V8 checks only the source's length, not its
// content); one from another Node.js is rejected by V8 itself: either costs only the compile it
// would save. The id is the build's: after editing a bundle by hand, delete its .cache (or rebuild).
//
// The file is named .cjs: for any other name Node.js reads the nearest package.json to learn the
// module type, 0.7 million instructions of every run (BENCHMARKS.md, section 14). npm links the
// command to this file; bin/galera-probe is a symbolic link to it for running from a clone (Node.js
// resolves the link, so it sees the .cjs name either way). No node:path either: its functions are
// compiled on first use, for a join a string does.
'use strict';
const { readFileSync } = require('node:fs');
const { Script } = require('node:vm');

// bin/ and dist/ are side by side; the separator is the one __dirname uses ('/', or '\\' on Windows).
const CUT = Math.max(__dirname.lastIndexOf('/'), __dirname.lastIndexOf('\\'));
const SEP = __dirname[CUT];
const DIST = __dirname.slice(0, CUT) + SEP + 'dist';

/** The bundles loaded so far, by name: each is compiled and run once. */
const loaded = new Map();

/**
 * Compiles and runs one bundle (the build wrapped it as a function: scripts/bundle-cli.ts);
 * returns its exports. A bundle requires its own name to reach its command (the build makes it
 * so, to spare esbuild's lazy wrappers): that require gets the exports of the one already loaded.
 */
function load(name) {
  const known = loaded.get(name);
  if (known !== undefined) return known.exports;
  const filename = DIST + SEP + name;
  // UTF-8: Node.js reads a whole file to a string on a fast path for it (latin1 cost 2 million
  // instructions more); the build wrote it in ASCII, so it is one byte a character all the same.
  const source = readFileSync(filename, 'utf8');
  // `// build ID` on the second line; no regular expression: the first one costs a check its compile.
  const at = source.indexOf('\n// build ');
  const id = at > 0 && at < 200 ? source.slice(at + 10, at + 26) : undefined;
  let cachedData;
  try {
    const cache = readFileSync(`${filename}.cache`);
    if (id !== undefined && startsWith(cache, id)) cachedData = cache.subarray(16);
  } catch {
    // No cache: compile.
  }
  const script = new Script(source, { filename, cachedData });
  const module = { exports: {} };
  loaded.set(name, module);
  const requireFor = (what) => (what.startsWith('./cli-') ? load(what.slice(2)) : require(what));
  script.runInThisContext()(module.exports, requireFor, module, filename, DIST);
  return module.exports;
}

/** Whether the bytes start with the ASCII text: compared by code (toString('latin1') costs a compile). */
function startsWith(bytes, text) {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The bundle for this command line: only the picker when --help or --version is on it, else the command's own. */
function bundleFor(args) {
  if (args.length === 0 || args.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version'))
    return 'galera-probe.cjs';
  const first = args[0];
  return first === 'cluster' || first === 'watch' || first === 'serve' ? `cli-${first}.cjs` : 'cli-check.cjs';
}

load(bundleFor(process.argv.slice(2))).start();
