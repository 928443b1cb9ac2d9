/**
 * `serve --web-config FILE [--web-config-all]`: TLS and basic auth for the HTTP side, from
 * exporter-toolkit's web config file. Thin: the file and its rules are src/serve/web/.
 */
import type { Server } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { EXPORTER_PATHS } from '../serve/exporter/index.js';
import { HEALTH_PATHS, type HealthServerOptions } from '../serve/health/index.js';
import { STATUS_PATHS } from '../serve/status/index.js';
import { clientCertificateAllowed, httpsOptions, loadWebConfig, webGuard, WebConfigError } from '../serve/web/index.js';
import type { Values } from './args.js';
import { UsageError } from './usage.js';

export const WEB_OPTIONS = {
  'web-config': { type: 'string' },
  'web-config-all': { type: 'boolean' },
} as const;

/**
 * The paths that hold what Prometheus scrapes and what the nodes report: basic auth guards
 * these (every path with --web-config-all). `/writer` and the health paths stay open for load
 * balancers.
 */
export const PROTECTED_PATHS: readonly string[] = [...EXPORTER_PATHS, '/metrics', '/cluster', ...STATUS_PATHS];

/** The load balancers' paths: their line stays open, their JSON form (members, addresses, version) is guarded. */
export const LINE_PATHS: readonly string[] = [...HEALTH_PATHS.filter((p) => p !== '/metrics'), '/writer'];

export interface WebSetup {
  /** For createHealthServer: `tls` and `guard`. */
  server: Pick<HealthServerOptions, 'tls' | 'guard'>;
  /** Applies the client certificate policy to each TLS connection of `server`. */
  attach: (server: Server) => void;
  scheme: 'http' | 'https';
  summary: string;
  /** Said at start-up whatever --log says (the file's permissions, bcrypt costs). */
  warnings: string[];
  /** Stops the bcrypt workers. */
  close: () => Promise<void>;
}

export function webFrom(values: Values): WebSetup | undefined {
  const file = values['web-config'];
  if (values['web-config-all'] === true && typeof file !== 'string')
    throw new UsageError('--web-config-all needs --web-config FILE');
  if (typeof file !== 'string') return undefined;
  if (file === '') throw new UsageError('--web-config: expected a path');
  try {
    const config = loadWebConfig(file);
    const all = values['web-config-all'] === true;
    const tls = config.tls;
    const tlsOptions = tls ? httpsOptions(tls, file) : undefined;
    const guard = webGuard(config, { paths: all ? 'all' : PROTECTED_PATHS, jsonOf: LINE_PATHS });
    const server: WebSetup['server'] = {
      ...(tlsOptions ? { tls: tlsOptions } : {}),
      ...(guard ? { guard: guard.guard } : {}),
    };
    return {
      server,
      attach: (s) => {
        if (!tls) return;
        s.on('secureConnection', (socket: TLSSocket) => {
          if (!clientCertificateAllowed(tls.clientAuthType, socket)) socket.destroy();
        });
      },
      scheme: tls ? 'https' : 'http',
      warnings: config.warnings,
      close: async () => guard?.close(),
      summary: `web config ${file}: ${tls ? `TLS (client certificates: ${tls.clientAuthType})` : 'no TLS'}, ${config.users.size} basic auth users${config.users.size > 0 ? (all ? ' on every path' : ' on /probe, /metrics, /targets, /cluster, /status*') : ''}`,
    };
  } catch (err) {
    if (err instanceof WebConfigError) throw new UsageError(`--web-config: ${err.message}`);
    throw err;
  }
}
