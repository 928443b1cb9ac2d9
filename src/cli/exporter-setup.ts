/**
 * `serve`'s exporter options (`--allow-target`, `--targets-file`, `--timeout-offset`,
 * `--max-concurrent-probes`, `--allow-host`, and the option files' `[client.NAME]` auth modules) turned into
 * the exporter service. Thin: the exporter, its paths and its reload are src/serve/exporter/.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { normalizeOptions, SSL_MODES, type ProbeOptions, type SslMode } from '../probe/options.js';
import {
  exporterService,
  HostCheckError,
  TargetPolicyError,
  TargetsFileError,
  type ExporterOptions,
  type ExporterService,
} from '../serve/exporter/index.js';
import type { Values } from './args.js';
import { durationOption } from './duration.js';
import { loadAuthModules, OptionFileError, parseFileBoolean, type FileOptions } from './option-file.js';
import { readPemFiles } from './pem-files.js';
import { UsageError } from './usage.js';

export const EXPORTER_OPTIONS = {
  'allow-target': { type: 'string', multiple: true },
  'targets-file': { type: 'string' },
  'timeout-offset': { type: 'string' },
  'max-concurrent-probes': { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
} as const;

export const DEFAULT_MAX_CONCURRENT_PROBES = 64;

/** Whether the command line asks for the exporter (`/probe`). */
export function wantsExporter(values: Values): boolean {
  return values['targets-file'] !== undefined || values['allow-target'] !== undefined;
}

export interface ExporterSetup extends Pick<ExporterService, 'exporter' | 'routes' | 'reload'> {
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
  /** --listen's host: a name there is one the exporter answers to. */
  listenHost?: string;
  onChange?: ExporterOptions['onChange'];
}

function moduleOptions(base: ProbeOptions, name: string, m: FileOptions): ProbeOptions {
  const o: ProbeOptions = { ...base };
  if (m.user !== undefined) o.user = m.user;
  if (m.password !== undefined) o.password = m.password;
  if (m.sslMode !== undefined) {
    const mode = m.sslMode.toUpperCase();
    if (!SSL_MODES.includes(mode as SslMode))
      throw new UsageError(`[client.${name}]: ssl-mode: expected one of ${SSL_MODES.join(', ')}`);
    o.sslMode = mode as SslMode;
  }
  readPemFiles(o, [
    [`[client.${name}]: ssl-ca`, 'sslCa', m.sslCa],
    [`[client.${name}]: ssl-cert`, 'sslCert', m.sslCert],
    [`[client.${name}]: ssl-key`, 'sslKey', m.sslKey],
    [`[client.${name}]: server-public-key`, 'serverPublicKey', m.serverPublicKey],
  ]);
  if (m.getServerPublicKey !== undefined) {
    const on = parseFileBoolean(m.getServerPublicKey);
    if (on === undefined)
      throw new UsageError(`[client.${name}]: get-server-public-key: expected nothing, 1, 0, ON, OFF, TRUE or FALSE`);
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
  const str = (name: string): string | undefined =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
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

export function exporterFrom(input: ExporterSetupInput): ExporterSetup {
  const { values } = input;
  const patterns = (values['allow-target'] as unknown as string[] | undefined) ?? [];
  const targetsFile = typeof values['targets-file'] === 'string' ? values['targets-file'] : undefined;
  if (targetsFile === '') throw new UsageError('--targets-file: expected a path');
  const offsetMs = durationOption(values, 'timeout-offset', 500, 60_000, '0, 500ms or 1s (at most 60s)');
  const maxText = values['max-concurrent-probes'];
  let maxConcurrentProbes = DEFAULT_MAX_CONCURRENT_PROBES;
  if (typeof maxText === 'string') {
    if (!/^\d{1,5}$/.test(maxText) || Number(maxText) < 1 || Number(maxText) > 10_000) {
      throw new UsageError(
        `--max-concurrent-probes: expected a number from 1 to 10000, got ${JSON.stringify(maxText)}`,
      );
    }
    maxConcurrentProbes = Number(maxText);
  }
  const modules = authModules(values, input.base, input.env);
  // The names a Host header may carry (IP literals always may): this machine's, --listen's, and --allow-host's.
  const machine = hostname().toLowerCase();
  const allowHosts = [
    'localhost',
    machine,
    machine.split('.')[0]!,
    ...(input.listenHost !== undefined && isIP(input.listenHost) === 0 ? [input.listenHost] : []),
    ...((values['allow-host'] as unknown as string[] | undefined) ?? []),
  ];
  let service: ExporterService;
  try {
    service = exporterService({
      targetsFile,
      patterns,
      extraExact: input.extraExact,
      base: input.base,
      authModules: modules,
      timeoutMs: input.timeoutMs,
      timeoutOffsetMs: offsetMs,
      cacheMs: input.cacheMs,
      maxAgeMs: input.maxAgeMs,
      maxConcurrentProbes,
      allowHosts,
      ...(input.onChange ? { onChange: input.onChange } : {}),
    });
  } catch (err) {
    if (err instanceof TargetsFileError || err instanceof TargetPolicyError || err instanceof HostCheckError)
      throw new UsageError(err.message);
    throw err;
  }
  const { exporter, routes, reload } = service;
  const summary = `exporter: ${service.targets} targets${targetsFile !== undefined ? ` from ${targetsFile}` : ''}, ${patterns.length} patterns, ${modules.size} auth modules, at most ${maxConcurrentProbes} probes at once`;
  return { exporter, routes, reload, summary };
}
