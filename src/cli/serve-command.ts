/**
 * `galera-probe serve [--listen ADDR:PORT] [probe options] <target>`: the HTTP endpoint.
 * Thin: options and logs here, the endpoint in src/serve/.
 */
import { ipVersion } from '../probe/address.js';
import { normalizeOptions } from '../probe/options.js';
import { probe } from '../probe/probe.js';
import { createHealthServer, HealthCheck, shutdownHealthServer, type VerdictChange } from '../serve/index.js';
import { VERSION } from '../version.js';
import { parse, PROBE_OPTIONS, probeOptionsFrom } from './args.js';
import { parseDuration } from './duration.js';
import { keepYoungGenerationSmall } from './heap.js';
import { traceLine } from './format.js';
import { SERVE_HELP } from './help.js';
import type { Io } from './io.js';
import { CLUSTER_SERVE_OPTIONS, clusterFrom, parseClusterList } from './cluster-setup.js';
import { UsageError } from './usage.js';
import { EXPORTER_OPTIONS, exporterFrom, wantsExporter } from './exporter-setup.js';
import { WEB_OPTIONS, webFrom } from './web-setup.js';
import { PromText } from '../serve/prom.js';
import { statusRoutes, statusSampler } from '../serve/status-routes.js';

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

/** A duration that may be 0 (`0`, `0s`, `0ms`), in ms. */
function durationOrZero(values: Record<string, unknown>, name: string, fallback: number): number {
  const text = values[name];
  if (typeof text !== 'string') return fallback;
  if (/^\s*0+(\.0+)?\s*(ms|s)?\s*$/.test(text)) return 0;
  const ms = parseDuration(text);
  if (ms === undefined || ms > 86_400_000) throw new UsageError(`--${name}: expected a duration such as 0, 500ms or 5s, got ${JSON.stringify(text)}`);
  return ms;
}


export async function serveCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, SERVE_OPTIONS);
  if (values['help'] === true) {
    io.stdout(SERVE_HELP);
    return 0;
  }
  if (values['version'] === true) {
    io.stdout(`galera-probe ${VERSION}\n`);
    return 0;
  }
  const logMode = (values['log'] ?? 'text') as string;
  if (logMode !== 'text' && logMode !== 'json' && logMode !== 'off') throw new UsageError(`--log: expected text, json or off, got ${JSON.stringify(logMode)}`);
  const listen = parseListen(typeof values['listen'] === 'string' ? values['listen'] : '0.0.0.0:9200');
  const cacheMs = durationOrZero(values, 'cache', 1000);
  const maxAgeMs = durationOrZero(values, 'max-age', 2 * cacheMs);
  if (maxAgeMs < cacheMs) throw new UsageError(`--max-age (${maxAgeMs} ms) must not be shorter than --cache (${cacheMs} ms)`);
  const maintenanceFile = typeof values['maintenance-file'] === 'string' ? values['maintenance-file'] : undefined;
  if (maintenanceFile === '') throw new UsageError('--maintenance-file: expected a path');

  const log = (event: string, fields: Record<string, unknown>, line: string): void => {
    if (logMode === 'off') return;
    const time = new Date().toISOString();
    if (logMode === 'json') io.stderr(`${JSON.stringify({ time, event, ...fields })}\n`);
    else io.stderr(`galera-probe: ${time} ${line}\n`);
  };
  // With --targets-file or --allow-target and no target of its own, serve is an exporter only.
  const exporterOnly = wantsExporter(values) && positionals.length === 0;
  const options = probeOptionsFrom(values, positionals, { env: io.env, warn: (line) => log('warning', { message: line }, line), targetOptional: exporterOnly });
  if (values['verbose'] === true) options.onEvent = (e) => io.stderr(`${traceLine(e)}\n`);
  // Invalid options are usage errors now, not a probe that rejects on every request.
  const normalized = normalizeOptions(options, () => 'root');
  const target = exporterOnly ? 'no node of its own' : normalized.target;
  const clusterList = typeof values['cluster'] === 'string' ? parseClusterList(values['cluster']) : undefined;
  if (clusterList && exporterOnly) throw new UsageError('--cluster needs this node\'s target as well');
  // The members of --cluster may be probed through /probe too (and nothing else, without more).
  const exporter = wantsExporter(values) || clusterList
    ? exporterFrom({
        values,
        ...(clusterList ? { extraExact: clusterList } : {}),
        base: options,
        env: io.env,
        timeoutMs: normalized.timeout,
        cacheMs,
        maxAgeMs,
        onChange: (t, module, c) =>
          log(
            'verdict',
            { target: t, ...(module !== undefined ? { authModule: module } : {}), from: c.from ?? null, to: c.to, reason: c.reason, ...(c.result ? { outcome: c.result.outcome, phase: c.result.phase } : {}) },
            `${t}${module !== undefined ? ` (${module})` : ''} ${c.from ?? 'start'} -> ${c.to}: ${c.reason}`,
          ),
      })
    : undefined;

  const check = exporterOnly ? undefined : new HealthCheck({
    probe: (signal) => probe({ ...options, signal }),
    cacheMs,
    maxAgeMs,
    // The probe ends by its overall deadline; its teardown may take a little longer.
    waitMs: normalized.timeout + 1000,
    ...(maintenanceFile !== undefined ? { maintenanceFile } : {}),
    onChange: (c: VerdictChange) =>
      log(
        'verdict',
        { target, from: c.from ?? null, to: c.to, reason: c.reason, ...(c.result ? { outcome: c.result.outcome, phase: c.result.phase } : {}) },
        `${target} ${c.from ?? 'start'} -> ${c.to}: ${c.reason}`,
      ),
  });
  const clusterSetup = check
    ? clusterFrom({
        values,
        self: normalized.target,
        selfCheck: check,
        base: options,
        cacheMs,
        maxAgeMs,
        waitMs: normalized.timeout + 1000,
        onChange: (view, previous) =>
          log(
            'cluster',
            { from: previous?.verdict ?? null, to: view.verdict, writer: view.writer, reason: view.reason },
            `cluster ${previous?.verdict ?? 'start'} -> ${view.verdict}: ${view.reason}; writer ${view.writer ?? 'none'}`,
          ),
      })
    : undefined;
  // GET /status: a page for people, from a sampler that looks once a second through the checks above.
  const status = check ? statusSampler({ self: normalized.target, check, view: clusterSetup?.view, targets: clusterSetup?.targets }).start() : undefined;
  const web = webFrom(values);
  // A long-running process: keep V8's young generation at its initial size (src/cli/heap.ts).
  keepYoungGenerationSmall(process.execArgv, io.env['NODE_OPTIONS']);
  const server = createHealthServer(check, {
    routes: { ...exporter?.routes, ...clusterSetup?.routes, ...(status ? statusRoutes(status) : {}) },
    // One PromText for both, so that no family could come out twice.
    metricsExtra: () => {
      const out = exporter?.exporter.metrics() ?? new PromText();
      clusterSetup?.view.metrics(out);
      return out.render();
    },
    ...(clusterSetup ? { refuse: () => clusterSetup.view.splitBrainRefusal() } : {}),
    ...web?.server,
  });
  web?.attach(server);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr(`galera-probe: serve: cannot listen on ${listen.host}:${listen.port}: ${e.code ?? e.message}\n`);
    status?.close();
    await check?.close();
    await clusterSetup?.close();
    await exporter?.exporter.close();
    return EXIT_CANNOT_LISTEN;
  }
  const address = server.address();
  const where = typeof address === 'object' && address ? `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : String(address);
  log(
    'listening',
    { address: where, target, cacheMs, maxAgeMs, ...(maintenanceFile !== undefined ? { maintenanceFile } : {}) },
    `serving ${target} on ${web?.scheme ?? 'http'}://${where} (cache ${cacheMs} ms, max age ${maxAgeMs} ms)`,
  );
  if (web) log('web-config', { summary: web.summary }, web.summary);
  if (exporter) log('exporter', { summary: exporter.summary }, exporter.summary);
  if (clusterSetup) log('cluster-view', { summary: clusterSetup.summary }, clusterSetup.summary);
  // SIGHUP re-reads the targets file (and no longer ends the process).
  const onHangup = (): void => {
    const r = exporter?.reload() ?? { ok: true, line: 'SIGHUP: nothing to re-read' };
    log(r.ok ? 'reload' : 'reload-failed', { message: r.line }, r.line);
  };
  process.on('SIGHUP', onHangup);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
  process.off('SIGHUP', onHangup);
  log('stopping', { signal }, `${signal}: stopping`);
  status?.close();
  await shutdownHealthServer(server, check, normalized.timeout + 1500);
  await clusterSetup?.close();
  await exporter?.exporter.close();
  log('stopped', {}, 'stopped');
  return 0;
}
