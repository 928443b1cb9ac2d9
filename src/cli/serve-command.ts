/**
 * `galera-probe serve [--listen ADDR:PORT] [probe options] <target>`: the HTTP endpoint, in
 * three steps: the options (parsed and checked, nothing started), the service built from them
 * (`{ server, close, reload }`: the features of src/serve joined here), and the wait for
 * signals. Thin: options and logs here, the endpoint in src/serve/.
 */
import type { Server } from 'node:http';
import { ipVersion } from '../probe/address.js';
import { normalizeOptions, type ProbeOptions } from '../probe/options.js';
import { probe } from '../probe/probe.js';
import type { ClusterView } from '../serve/cluster-view/index.js';
import {
  createHealthServer,
  HealthCheck,
  resultOf,
  shutdownHealthServer,
  type VerdictChange,
} from '../serve/health/index.js';
import { PromText } from '../serve/prom/index.js';
import { StatusSampler, statusRoutes } from '../serve/status/index.js';
import { parse, PROBE_OPTIONS, probeOptionsFrom, type Values } from './args.js';
import { CLUSTER_SERVE_OPTIONS, clusterFrom, parseClusterList } from './cluster-setup.js';
import { durationOption } from './duration.js';
import { EXPORTER_OPTIONS, exporterFrom, wantsExporter, type ExporterSetup } from './exporter-setup.js';
import { traceLine } from './format.js';
import { keepYoungGenerationSmall } from './heap.js';
import type { Io } from './io.js';
import { UsageError } from './usage.js';
import { WEB_OPTIONS, webFrom, type WebSetup } from './web-setup.js';

/** `serve` could not listen (address in use, not permitted...): sysexits' EX_UNAVAILABLE. */
export const EXIT_CANNOT_LISTEN = 69;

const SERVE_OPTIONS = {
  ...PROBE_OPTIONS,
  listen: { type: 'string' },
  cache: { type: 'string' },
  'max-age': { type: 'string' },
  'maintenance-file': { type: 'string' },
  log: { type: 'string' },
  ...EXPORTER_OPTIONS,
  ...WEB_OPTIONS,
  ...CLUSTER_SERVE_OPTIONS,
} as const;

export interface Listen {
  host: string;
  port: number;
}

/** `ADDR:PORT`, `[v6]:PORT`, `:PORT` or `PORT` (all IPv4 interfaces). */
export function parseListen(text: string): Listen {
  const bad = (): never => {
    throw new UsageError(`--listen: expected ADDR:PORT, [IPV6]:PORT or PORT, got ${JSON.stringify(text)}`);
  };
  const port = (p: string): number => {
    if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) bad();
    return Number(p);
  };
  if (/^\d+$/.test(text)) return { host: '0.0.0.0', port: port(text) };
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (v6) return ipVersion(v6[1]!) === 6 ? { host: v6[1]!, port: port(v6[2]!) } : bad();
  const colon = text.lastIndexOf(':');
  if (colon < 0) return bad();
  const host = text.slice(0, colon);
  if (host === '') return { host: '0.0.0.0', port: port(text.slice(colon + 1)) };
  if (ipVersion(host) !== 4 && !/^[A-Za-z0-9.-]+$/.test(host)) bad();
  return { host, port: port(text.slice(colon + 1)) };
}

type Log = (event: string, fields: Record<string, unknown>, line: string) => void;

/** The log of serve: one line of text or JSON per event on stderr, or nothing. */
function serveLog(mode: 'text' | 'json' | 'off', io: Io): Log {
  return (event, fields, line) => {
    if (mode === 'off') return;
    const time = new Date().toISOString();
    if (mode === 'json') io.stderr(`${JSON.stringify({ time, event, ...fields })}\n`);
    else io.stderr(`galera-probe: ${time} ${line}\n`);
  };
}

/** Step 1: what serve was asked to do, checked; nothing is started. */
interface ServeOptions {
  values: Values;
  log: Log;
  /** Warnings are about secrets and exposure: said on stderr even with --log off. */
  warn: (line: string) => void;
  /** --web-config, read and checked: a bad file is a usage error before anything starts. */
  web: WebSetup | undefined;
  listen: Listen;
  cacheMs: number;
  maxAgeMs: number;
  maintenanceFile: string | undefined;
  /** With --targets-file or --allow-target and no target of its own, serve is an exporter only. */
  exporterOnly: boolean;
  probe: ProbeOptions;
  /** This node's target, normalized (`host:port`), or a phrase for an exporter only. */
  target: string;
  timeoutMs: number;
  clusterList: string[] | undefined;
}

function serveOptions(values: Values, positionals: readonly string[], io: Io): ServeOptions {
  const logMode = (values['log'] ?? 'text') as string;
  if (logMode !== 'text' && logMode !== 'json' && logMode !== 'off')
    throw new UsageError(`--log: expected text, json or off, got ${JSON.stringify(logMode)}`);
  const log = serveLog(logMode, io);
  const listen = parseListen(typeof values['listen'] === 'string' ? values['listen'] : '0.0.0.0:9200');
  const cacheMs = durationOption(values, 'cache', 1000, 86_400_000, '0, 500ms or 5s');
  const maxAgeMs = durationOption(values, 'max-age', 2 * cacheMs, 86_400_000, '0, 500ms or 5s');
  if (maxAgeMs < cacheMs)
    throw new UsageError(`--max-age (${maxAgeMs} ms) must not be shorter than --cache (${cacheMs} ms)`);
  const maintenanceFile = typeof values['maintenance-file'] === 'string' ? values['maintenance-file'] : undefined;
  if (maintenanceFile === '') throw new UsageError('--maintenance-file: expected a path');
  const warn = (line: string): void =>
    logMode === 'off' ? io.stderr(`galera-probe: ${line}\n`) : log('warning', { message: line }, line);
  const web = webFrom(values);
  const exporterOnly = wantsExporter(values) && positionals.length === 0;
  const options = probeOptionsFrom(values, positionals, { env: io.env, warn, targetOptional: exporterOnly });
  if (values['verbose'] === true) options.onEvent = (e) => io.stderr(`${traceLine(e)}\n`);
  // Invalid options are usage errors now, not a probe that rejects on every request.
  const normalized = normalizeOptions(options, () => 'root');
  const clusterList = typeof values['cluster'] === 'string' ? parseClusterList(values['cluster']) : undefined;
  if (clusterList && exporterOnly) throw new UsageError("--cluster needs this node's target as well");
  const target = exporterOnly ? 'no node of its own' : normalized.target;
  return {
    values,
    log,
    warn,
    web,
    listen,
    cacheMs,
    maxAgeMs,
    maintenanceFile,
    exporterOnly,
    probe: options,
    target,
    timeoutMs: normalized.timeout,
    clusterList,
  };
}

/** A verdict change as a log event. */
function verdictLog(log: Log, target: string, c: VerdictChange, module?: string): void {
  const fields = {
    target,
    ...(module !== undefined ? { authModule: module } : {}),
    from: c.from ?? null,
    to: c.to,
    reason: c.reason,
    ...(c.result ? { outcome: c.result.outcome, phase: c.result.phase } : {}),
  };
  log(
    'verdict',
    fields,
    `${target}${module !== undefined ? ` (${module})` : ''} ${c.from ?? 'start'} -> ${c.to}: ${c.reason}`,
  );
}

/** The status page's sampler: the cluster view's look with --cluster, else this node's check. */
export function statusSamplerFor(input: {
  self: string;
  check: HealthCheck;
  view?: ClusterView | undefined;
  targets?: readonly string[] | undefined;
  everyMs?: number;
}): StatusSampler {
  const { view, check, self } = input;
  return new StatusSampler({
    self,
    targets: view && input.targets ? input.targets : [self],
    mode: view ? 'cluster' : 'node',
    look: view
      ? async () => ({ cluster: await view.current() })
      : async () => ({ node: resultOf(self, await check.answer()) }),
    ...(input.everyMs !== undefined ? { everyMs: input.everyMs } : {}),
  });
}

/** Step 2: the running parts, joined, with what closes them (in one order) and what SIGHUP re-reads. */
interface ServeService {
  server: Server;
  close: () => Promise<void>;
  reload: () => { ok: boolean; line: string };
  /** Start-up log lines: [event, summary]. */
  summaries: [string, string][];
  /** Start-up warnings (the web config's permissions, patterns that allow everything). */
  warnings: string[];
  scheme: 'http' | 'https';
}

/** The exporter (/probe, /targets), when asked for or when --cluster names members. */
function exporterFor(o: ServeOptions, io: Io): ExporterSetup | undefined {
  // The members of --cluster may be probed through /probe too (and nothing else, without more).
  if (!wantsExporter(o.values) && !o.clusterList) return undefined;
  return exporterFrom({
    values: o.values,
    listenHost: o.listen.host,
    ...(o.clusterList ? { extraExact: o.clusterList } : {}),
    base: o.probe,
    env: io.env,
    timeoutMs: o.timeoutMs,
    cacheMs: o.cacheMs,
    maxAgeMs: o.maxAgeMs,
    onChange: (t, module, c) => verdictLog(o.log, t, c, module),
  });
}

function serveService(o: ServeOptions, io: Io): ServeService {
  const { log, cacheMs, maxAgeMs, web } = o;
  const exporter = exporterFor(o, io);
  // The probe ends by its overall deadline; its teardown may take a little longer.
  const waitMs = o.timeoutMs + 1000;
  const check = o.exporterOnly
    ? undefined
    : new HealthCheck({
        probe: (signal) => probe({ ...o.probe, signal }),
        cacheMs,
        maxAgeMs,
        waitMs,
        ...(o.maintenanceFile !== undefined ? { maintenanceFile: o.maintenanceFile } : {}),
        onChange: (c) => verdictLog(log, o.target, c),
      });
  const cluster = check
    ? clusterFrom({
        values: o.values,
        self: o.target,
        selfCheck: check,
        base: o.probe,
        cacheMs,
        maxAgeMs,
        waitMs,
        onChange: (view, previous) =>
          log(
            'cluster',
            { from: previous?.verdict ?? null, to: view.verdict, writer: view.writer, reason: view.reason },
            `cluster ${previous?.verdict ?? 'start'} -> ${view.verdict}: ${view.reason}; writer ${view.writer ?? 'none'}`,
          ),
      })
    : undefined;
  // GET /status: a page for people, from a sampler that looks once a second through the checks above.
  const status = check
    ? statusSamplerFor({ self: o.target, check, view: cluster?.view, targets: cluster?.targets }).start()
    : undefined;
  // A long-running process: keep V8's young generation at its initial size (src/cli/heap.ts).
  keepYoungGenerationSmall(process.execArgv, io.env['NODE_OPTIONS']);
  const server = createHealthServer(check, {
    routes: { ...exporter?.routes, ...cluster?.routes, ...(status ? statusRoutes(status) : {}) },
    // One PromText for both, so that no family could come out twice.
    metricsExtra: () => {
      const out = exporter?.exporter.metrics() ?? new PromText();
      cluster?.view.metrics(out);
      return out.render();
    },
    ...(cluster ? { refuse: () => cluster.view.splitBrainRefusal() } : {}),
    ...web?.server,
  });
  web?.attach(server);
  const summaries: [string, string][] = [];
  if (web) summaries.push(['web-config', web.summary]);
  if (exporter) summaries.push(['exporter', exporter.summary]);
  if (cluster) summaries.push(['cluster-view', cluster.summary]);
  return {
    server,
    summaries,
    warnings: [...(web?.warnings ?? []), ...(exporter?.exporter.policy.warnings ?? [])],
    scheme: web?.scheme ?? 'http',
    reload: () => exporter?.reload() ?? { ok: true, line: 'SIGHUP: nothing to re-read' },
    // The one shutdown order: the sampler, the server (requests in flight answered, then this node's check), the peers, the exporter.
    close: async () => {
      status?.close();
      await shutdownHealthServer(server, check, o.timeoutMs + 1500);
      await cluster?.close();
      await exporter?.exporter.close();
      await web?.close();
    },
  };
}

function listenOn(server: Server, listen: Listen): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Step 3: SIGHUP reloads until SIGTERM or SIGINT comes; returns that signal. */
function waitForSignals(reload: () => void): Promise<NodeJS.Signals> {
  // SIGHUP re-reads the targets file (and no longer ends the process).
  process.on('SIGHUP', reload);
  return new Promise<NodeJS.Signals>((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      process.off('SIGHUP', reload);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

export async function serveCommand(argv: readonly string[], io: Io): Promise<number> {
  // --help and --version are answered by parse() (main.ts prints them) before this line.
  const { values, positionals } = parse(argv, SERVE_OPTIONS);
  const o = serveOptions(values, positionals, io);
  const { log, listen } = o;
  const service = serveService(o, io);
  try {
    await listenOn(service.server, listen);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr(`galera-probe: serve: cannot listen on ${listen.host}:${listen.port}: ${e.code ?? e.message}\n`);
    await service.close();
    return EXIT_CANNOT_LISTEN;
  }
  const address = service.server.address();
  const where =
    typeof address === 'object' && address
      ? `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      : String(address);
  log(
    'listening',
    {
      address: where,
      target: o.target,
      cacheMs: o.cacheMs,
      maxAgeMs: o.maxAgeMs,
      ...(o.maintenanceFile !== undefined ? { maintenanceFile: o.maintenanceFile } : {}),
    },
    `serving ${o.target} on ${service.scheme}://${where} (cache ${o.cacheMs} ms, max age ${o.maxAgeMs} ms)`,
  );
  for (const [event, summary] of service.summaries) log(event, { summary }, summary);
  for (const line of service.warnings) o.warn(line);
  const signal = await waitForSignals(() => {
    const r = service.reload();
    log(r.ok ? 'reload' : 'reload-failed', { message: r.line }, r.line);
  });
  log('stopping', { signal }, `${signal}: stopping`);
  await service.close();
  log('stopped', {}, 'stopped');
  return 0;
}
