/**
 * `serve`'s exporter options (`--allow-target`, `--targets-file`, `--timeout-offset`,
 * `--max-concurrent-probes`) turned into an Exporter, its routes (`/probe`, `/targets`) and a
 * reload for SIGHUP. Thin: the exporter itself is src/serve/exporter.ts.
 */
import { readFileSync } from 'node:fs';
import { normalizeOptions, SSL_MODES, type ProbeOptions, type SslMode } from '../probe/options.js';
import { Exporter, type ExporterOptions } from '../serve/exporter.js';
import type { Route } from '../serve/server.js';
import { TargetError, TargetPolicy } from '../serve/target-policy.js';
import { readTargetsFile, serviceDiscovery, TargetsFileError, type TargetEntry } from '../serve/targets-file.js';
import type { Values } from './args.js';
import { parseDuration } from './duration.js';
import { loadAuthModules, OptionFileError, parseFileBoolean, type FileOptions } from './option-file.js';
import { UsageError } from './usage.js';

export const EXPORTER_OPTIONS = {
  'allow-target': { type: 'string', multiple: true },
  'targets-file': { type: 'string' },
  'timeout-offset': { type: 'string' },
  'max-concurrent-probes': { type: 'string' },
} as const;

export const DEFAULT_MAX_CONCURRENT_PROBES = 64;

/** Whether the command line asks for the exporter (`/probe`). */
export function wantsExporter(values: Values): boolean {
  return values['targets-file'] !== undefined || values['allow-target'] !== undefined;
}

export interface ExporterSetup {
  exporter: Exporter;
  routes: Record<string, Route>;
  /** Re-reads the targets file; a bad file keeps the previous list. Returns the line to log. */
  reload: () => { ok: boolean; line: string };
  /** For the start-up log line. */
  summary: string;
}

export interface ExporterSetupInput {
  values: Values;
  base: ProbeOptions;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  cacheMs: number;
  maxAgeMs: number;
  /** Targets allowed besides the file and the patterns (e.g. serve --cluster's members). */
  extraExact?: readonly string[];
  onChange?: ExporterOptions['onChange'];
}

function moduleOptions(base: ProbeOptions, name: string, m: FileOptions): ProbeOptions {
  const o: ProbeOptions = { ...base };
  if (m.user !== undefined) o.user = m.user;
  if (m.password !== undefined) o.password = m.password;
  if (m.sslMode !== undefined) {
    const mode = m.sslMode.toUpperCase();
    if (!SSL_MODES.includes(mode as SslMode)) throw new UsageError(`[client.${name}]: ssl-mode: expected one of ${SSL_MODES.join(', ')}`);
    o.sslMode = mode as SslMode;
  }
  for (const [key, field] of [
    ['ssl-ca', 'sslCa'],
    ['ssl-cert', 'sslCert'],
    ['ssl-key', 'sslKey'],
    ['server-public-key', 'serverPublicKey'],
  ] as const) {
    const path = m[field];
    if (path === undefined) continue;
    try {
      o[field] = readFileSync(path);
    } catch (err) {
      throw new UsageError(`[client.${name}]: ${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (m.getServerPublicKey !== undefined) {
    const on = parseFileBoolean(m.getServerPublicKey);
    if (on === undefined) throw new UsageError(`[client.${name}]: get-server-public-key: expected nothing, 1, 0, ON, OFF, TRUE or FALSE`);
    o.getServerPublicKey = on;
  }
  try {
    normalizeOptions(o, () => 'root');
  } catch (err) {
    throw new UsageError(`[client.${name}]: ${(err as Error).message.replace(/^galera-probe: /, '')}`);
  }
  return o;
}

function authModules(values: Values, base: ProbeOptions, env: NodeJS.ProcessEnv): Map<string, ProbeOptions> {
  const str = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  let found: Map<string, FileOptions>;
  try {
    found = loadAuthModules({
      ...(str('defaults-file') !== undefined ? { defaultsFile: str('defaults-file')! } : {}),
      ...(str('defaults-extra-file') !== undefined ? { defaultsExtraFile: str('defaults-extra-file')! } : {}),
      noDefaults: values['no-defaults'] === true,
      home: env['HOME'] ?? '',
    });
  } catch (err) {
    if (err instanceof OptionFileError) throw new UsageError(err.message);
    throw err;
  }
  const modules = new Map<string, ProbeOptions>();
  for (const [name, m] of found) modules.set(name, moduleOptions(base, name, m));
  return modules;
}

function zeroOrDuration(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (/^\s*0+(\.0+)?\s*(ms|s)?\s*$/.test(text)) return 0;
  const ms = parseDuration(text);
  if (ms === undefined || ms > 60_000) throw new UsageError(`--${name}: expected a duration such as 0, 500ms or 1s (at most 60s), got ${JSON.stringify(text)}`);
  return ms;
}

export function exporterFrom(input: ExporterSetupInput): ExporterSetup {
  const { values } = input;
  const patterns = (values['allow-target'] as unknown as string[] | undefined) ?? [];
  const targetsFile = typeof values['targets-file'] === 'string' ? values['targets-file'] : undefined;
  if (targetsFile === '') throw new UsageError('--targets-file: expected a path');
  const offsetMs = zeroOrDuration(typeof values['timeout-offset'] === 'string' ? values['timeout-offset'] : undefined, 'timeout-offset', 500);
  const maxText = values['max-concurrent-probes'];
  let maxConcurrentProbes = DEFAULT_MAX_CONCURRENT_PROBES;
  if (typeof maxText === 'string') {
    if (!/^\d{1,5}$/.test(maxText) || Number(maxText) < 1 || Number(maxText) > 10_000) {
      throw new UsageError(`--max-concurrent-probes: expected a number from 1 to 10000, got ${JSON.stringify(maxText)}`);
    }
    maxConcurrentProbes = Number(maxText);
  }
  const modules = authModules(values, input.base, input.env);

  const build = (entries: readonly TargetEntry[]): TargetPolicy => new TargetPolicy({ exact: [...entries.map((e) => e.target), ...(input.extraExact ?? [])], patterns });
  const checkModules = (entries: readonly TargetEntry[]): void => {
    const unknown = entries.find((e) => e.authModule !== undefined && !modules.has(e.authModule));
    if (unknown) throw new TargetsFileError(`${targetsFile}: auth_module of ${unknown.target} has no [client.${unknown.authModule}] group in the option files`);
  };
  let entries: TargetEntry[] = [];
  let policy: TargetPolicy;
  try {
    if (targetsFile !== undefined) {
      entries = readTargetsFile(targetsFile);
      checkModules(entries);
    }
    policy = build(entries);
  } catch (err) {
    if (err instanceof TargetsFileError || err instanceof TargetError) throw new UsageError(err.message);
    throw err;
  }

  const exporter = new Exporter({
    policy,
    base: input.base,
    authModules: modules,
    timeoutMs: input.timeoutMs,
    timeoutOffsetMs: offsetMs,
    cacheMs: input.cacheMs,
    maxAgeMs: input.maxAgeMs,
    maxConcurrentProbes,
    ...(input.onChange ? { onChange: input.onChange } : {}),
  });
  const routes: Record<string, Route> = {
    '/probe': (req, query) => exporter.probe(query, req.headers['x-prometheus-scrape-timeout-seconds']),
    '/targets': () => ({ status: 200, contentType: 'application/json', body: `${JSON.stringify(serviceDiscovery(entries))}\n` }),
  };
  const reload = (): { ok: boolean; line: string } => {
    if (targetsFile === undefined) return { ok: true, line: 'SIGHUP: no --targets-file to re-read' };
    try {
      const next = readTargetsFile(targetsFile);
      checkModules(next);
      const nextPolicy = build(next);
      entries = next;
      exporter.setPolicy(nextPolicy);
      return { ok: true, line: `SIGHUP: ${targetsFile} re-read: ${next.length} targets` };
    } catch (err) {
      if (err instanceof TargetsFileError || err instanceof TargetError) return { ok: false, line: `SIGHUP: keeping the previous ${entries.length} targets: ${err.message}` };
      throw err;
    }
  };
  const summary = `exporter: ${entries.length} targets${targetsFile !== undefined ? ` from ${targetsFile}` : ''}, ${patterns.length} patterns, ${modules.size} auth modules, at most ${maxConcurrentProbes} probes at once`;
  return { exporter, routes, reload, summary };
}
