/**
 * Prometheus text exposition (format 0.0.4), written by hand: a `PromText` collects samples by
 * family, so that samples added for several targets still come out grouped under one HELP and
 * TYPE line each; and the gauges of one probe result (`probeGauges` for the exporter's /probe,
 * `nodeGauges` for what the node reported), shared by every endpoint that shows a probe.
 */
import { PHASES, type Outcome, type ProbeResult } from '../probe/types.js';

export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'gauge' | 'counter' | 'untyped';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value as the text format wants it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text: backslash and line feed escaped. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** A float as Prometheus writes it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(Math.round(value * 1e9) / 1e9);
}

function formatLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  return `{${names.map((n) => `${n}="${escapeLabelValue(labels[n]!)}"`).join(',')}}`;
}

interface Family {
  type: MetricType;
  help: string;
  samples: string[];
}

/** Samples grouped by family, rendered in the order families were first added. */
export class PromText {
  private readonly families = new Map<string, Family>();

  /**
   * Adds one sample. A family's type and help come from its first sample; a later sample with
   * another type is a programming error. Names are checked for the same reason: they are ours.
   */
  add(name: string, type: MetricType, help: string, labels: Labels, value: number): void {
    let family = this.families.get(name);
    if (!family) {
      if (!METRIC_NAME.test(name)) throw new TypeError(`invalid metric name ${name}`);
      family = { type, help, samples: [] };
      this.families.set(name, family);
    } else if (family.type !== type) {
      throw new TypeError(`metric ${name} added as ${type} and as ${family.type}`);
    }
    for (const label of Object.keys(labels)) if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new TypeError(`invalid label name ${label}`);
    family.samples.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, f] of this.families) lines.push(`# HELP ${name} ${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`, ...f.samples);
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}

export const PROBE_OUTCOMES: readonly Outcome[] = ['healthy', 'unhealthy', 'unreachable', 'timeout', 'access-denied', 'protocol-error', 'server-error'];

const bool = (v: unknown): number | undefined => (typeof v === 'boolean' ? (v ? 1 : 0) : undefined);
const number = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The numeric things a node reports, as gauges and counters: [NodeInfo field, metric, type, help, value]. */
const NODE_SERIES: readonly [string, string, MetricType, string, (v: unknown) => number | undefined][] = [
  ['clusterSize', 'galera_probe_wsrep_cluster_size', 'gauge', 'wsrep_cluster_size: members of the component this node is in.', number],
  ['clusterStatus', 'galera_probe_wsrep_cluster_primary', 'gauge', 'wsrep_cluster_status: 1 when Primary, 0 otherwise.', (v) => (typeof v === 'string' ? (v.toLowerCase() === 'primary' ? 1 : 0) : undefined)],
  ['localState', 'galera_probe_wsrep_local_state', 'gauge', 'wsrep_local_state: 1 Joining, 2 Donor/Desynced, 3 Joined, 4 Synced, 0 otherwise.', number],
  ['ready', 'galera_probe_wsrep_ready', 'gauge', 'wsrep_ready: 1 when ON.', bool],
  ['connected', 'galera_probe_wsrep_connected', 'gauge', 'wsrep_connected: 1 when ON.', bool],
  ['wsrepOn', 'galera_probe_wsrep_on', 'gauge', 'wsrep_on: 1 when ON.', bool],
  ['desync', 'galera_probe_wsrep_desync', 'gauge', 'wsrep_desync: 1 when ON.', bool],
  ['readOnly', 'galera_probe_read_only', 'gauge', 'read_only: 1 when ON.', bool],
  ['rejectQueries', 'galera_probe_wsrep_reject_queries', 'gauge', 'wsrep_reject_queries: 1 when other than NONE.', (v) => (typeof v === 'string' ? (v.toUpperCase() === 'NONE' ? 0 : 1) : undefined)],
  ['localRecvQueue', 'galera_probe_wsrep_local_recv_queue', 'gauge', 'wsrep_local_recv_queue: write sets waiting to be applied.', number],
  ['localSendQueue', 'galera_probe_wsrep_local_send_queue', 'gauge', 'wsrep_local_send_queue: write sets waiting to be sent.', number],
  ['lastCommitted', 'galera_probe_wsrep_last_committed', 'gauge', 'wsrep_last_committed: seqno of the last transaction committed here.', number],
  ['clusterConfId', 'galera_probe_wsrep_cluster_conf_id', 'gauge', 'wsrep_cluster_conf_id: number of the membership view this node is in.', number],
  ['localIndex', 'galera_probe_wsrep_local_index', 'gauge', 'wsrep_local_index: this node index in its component.', number],
  ['flowControlPausedNs', 'galera_probe_wsrep_flow_control_paused_seconds_total', 'counter', 'wsrep_flow_control_paused_ns in seconds: time paused by flow control.', (v) => (typeof v === 'number' && Number.isFinite(v) ? v / 1e9 : undefined)],
];

/** Text fields of the node shown as labels of galera_probe_node_info: [NodeInfo field, label]. */
const INFO_LABELS: readonly [string, string][] = [
  ['version', 'version'],
  ['clusterStatus', 'cluster_status'],
  ['localStateComment', 'local_state_comment'],
  ['clusterStateUuid', 'cluster_state_uuid'],
  ['gcommUuid', 'gcomm_uuid'],
  ['nodeName', 'node_name'],
  ['authPlugin', 'auth_plugin'],
];

/**
 * What the node reported (`result.node`), as gauges with `labels`: wsrep sizes, states,
 * queues and positions where the node reported them, and `galera_probe_node_info{...} 1`.
 * Nothing when the probe never got that far.
 */
export function nodeGauges(out: PromText, result: ProbeResult, labels: Labels = {}): void {
  const node = result.node as Readonly<Record<string, unknown>> | undefined;
  if (!node) return;
  for (const [field, name, type, help, read] of NODE_SERIES) {
    const value = read(node[field]);
    if (value !== undefined) out.add(name, type, help, labels, value);
  }
  const info: Record<string, string> = { ...labels };
  for (const [field, label] of INFO_LABELS) {
    const v = node[field];
    if (typeof v === 'string' && v !== '') info[label] = v;
  }
  if (typeof node['tls'] === 'boolean') info['tls'] = node['tls'] ? 'true' : 'false';
  out.add('galera_probe_node_info', 'gauge', 'What the node reported about itself, as labels; always 1.', info, 1);
}

/**
 * The answer to one scrape of a probe, as blackbox_exporter's probers give it: `probe_success`
 * (1 when the verdict is healthy), `probe_duration_seconds`, the time of each phase reached,
 * the outcome as a one-hot gauge, and the node's gauges.
 */
export function probeGauges(out: PromText, result: ProbeResult, labels: Labels = {}): void {
  out.add('probe_success', 'gauge', 'Whether the node should get traffic: 1 healthy, 0 otherwise.', labels, result.healthy ? 1 : 0);
  out.add('probe_duration_seconds', 'gauge', 'How long the probe took.', labels, result.timings.total / 1000);
  for (const phase of PHASES) {
    const ms = result.timings[phase];
    if (ms !== undefined) out.add('galera_probe_phase_duration_seconds', 'gauge', 'Time spent in each phase of the probe.', { ...labels, phase }, ms / 1000);
  }
  for (const outcome of PROBE_OUTCOMES) {
    out.add('galera_probe_outcome', 'gauge', 'The probe outcome: 1 for the one that happened.', { ...labels, outcome }, result.outcome === outcome ? 1 : 0);
  }
  nodeGauges(out, result, labels);
}
