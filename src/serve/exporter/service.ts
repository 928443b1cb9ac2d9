/**
 * The exporter as serve runs it: the allow list built from the targets file, the patterns and
 * any extra exact targets; its paths (`/probe`, `/targets`); and the reload of the targets file
 * (SIGHUP), which keeps the previous list when the new file is bad.
 */
import { jsonAnswer, textAnswer, type Route } from '../http/index.js';
import { Exporter, type ExporterOptions } from './exporter.js';
import { HostAllowList } from './host-check.js';
import { TargetPolicy, TargetPolicyError } from './target-policy.js';
import { readTargetsFile, serviceDiscovery, TargetsFileError, type TargetEntry } from './targets-file.js';

export const EXPORTER_PATHS = ['/probe', '/targets'] as const;

export interface ExporterServiceOptions extends Omit<ExporterOptions, 'policy'> {
  /** The targets file (`--targets-file`), re-read by `reload`. */
  targetsFile?: string | undefined;
  /** `--allow-target` patterns. */
  patterns: readonly string[];
  /** Targets allowed besides the file and the patterns (e.g. serve --cluster's members). */
  extraExact?: readonly string[] | undefined;
  /** Names a Host header may carry on the exporter's paths (IP literals always may); default: any. */
  allowHosts?: readonly string[] | undefined;
}

export interface ExporterService {
  exporter: Exporter;
  routes: Record<(typeof EXPORTER_PATHS)[number], Route>;
  /** Re-reads the targets file; a bad file keeps the previous list. Returns the line to log. */
  reload: () => { ok: boolean; line: string };
  /** Targets read from the file now. */
  readonly targets: number;
}

/** Builds the exporter; a bad targets file or pattern throws TargetsFileError or TargetPolicyError; a bad --allow-host, HostCheckError. */
export function exporterService(options: ExporterServiceOptions): ExporterService {
  const { targetsFile, patterns, extraExact, allowHosts, ...exporterOptions } = options;
  const hosts = new HostAllowList(allowHosts ?? ['*']);
  // DNS rebinding: a Host that is not one of ours is refused before anything else.
  const misdirected = textAnswer(403, 'Host not allowed (--allow-host)');
  const read = (): { entries: TargetEntry[]; policy: TargetPolicy } => {
    const entries = targetsFile === undefined ? [] : readTargetsFile(targetsFile);
    const unknown = entries.find((e) => e.authModule !== undefined && !options.authModules?.has(e.authModule));
    if (unknown)
      throw new TargetsFileError(
        `${targetsFile}: auth_module of ${unknown.target} has no [client.${unknown.authModule}] group in the option files`,
      );
    return {
      entries,
      policy: new TargetPolicy({ exact: [...entries.map((e) => e.target), ...(extraExact ?? [])], patterns }),
    };
  };
  const first = read();
  let entries = first.entries;
  const exporter = new Exporter({ ...exporterOptions, policy: first.policy });
  const reload = (): { ok: boolean; line: string } => {
    if (targetsFile === undefined) return { ok: true, line: 'SIGHUP: no --targets-file to re-read' };
    try {
      const next = read();
      entries = next.entries;
      exporter.setPolicy(next.policy);
      return { ok: true, line: `SIGHUP: ${targetsFile} re-read: ${entries.length} targets` };
    } catch (err) {
      if (err instanceof TargetsFileError || err instanceof TargetPolicyError)
        return { ok: false, line: `SIGHUP: keeping the previous ${entries.length} targets: ${err.message}` };
      throw err;
    }
  };
  return {
    exporter,
    routes: {
      '/probe': (req, query) =>
        hosts.allows(req.headers.host)
          ? exporter.probe(query, req.headers['x-prometheus-scrape-timeout-seconds'])
          : misdirected,
      '/targets': (req) => (hosts.allows(req.headers.host) ? jsonAnswer(200, serviceDiscovery(entries)) : misdirected),
    },
    reload,
    get targets() {
      return entries.length;
    },
  };
}
