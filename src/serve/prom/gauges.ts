/**
 * The gauges of one probe result, shared by every endpoint that shows a probe: `probeGauges`
 * for the exporter's /probe, `nodeGauges` for what the node reported.
 */
import { PHASES, type Outcome, type ProbeResult } from '../../probe/types.js';
import { type Labels, type MetricType, OUTCOMES, type PromText } from './prom-text.js';

/** The outcomes /probe shows one-hot: all but `aborted` (a probe the exporter itself stopped). */
export const PROBE_OUTCOMES: readonly Outcome[] = OUTCOMES.filter((o) => o !== 'aborted');

const bool = (v: unknown): number | undefined => (typeof v === 'boolean' ? (v ? 1 : 0) : undefined);
const number = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

type Series = readonly [
  field: string,
  metric: string,
  type: MetricType,
  help: string,
  read: (v: unknown) => number | undefined,
];

/** A server variable shown as the gauge `galera_probe_<variable>`, its help starting with the variable's name. */
const gauge = (field: string, variable: string, meaning: string, read: Series[4] = number): Series => [
  field,
  `galera_probe_${variable}`,
  'gauge',
  `${variable}: ${meaning}`,
  read,
];
const onOff = (field: string, variable: string): Series => gauge(field, variable, '1 when ON.', bool);

/** The numeric things a node reports, as gauges and counters. */
const NODE_SERIES: readonly Series[] = [
  gauge('clusterSize', 'wsrep_cluster_size', 'members of the component this node is in.'),
  [
    'clusterStatus',
    'galera_probe_wsrep_cluster_primary',
    'gauge',
    'wsrep_cluster_status: 1 when Primary, 0 otherwise.',
    (v) => (typeof v === 'string' ? (v.toLowerCase() === 'primary' ? 1 : 0) : undefined),
  ],
  gauge('localState', 'wsrep_local_state', '1 Joining, 2 Donor/Desynced, 3 Joined, 4 Synced, 0 otherwise.'),
  onOff('ready', 'wsrep_ready'),
  onOff('connected', 'wsrep_connected'),
  onOff('wsrepOn', 'wsrep_on'),
  onOff('desync', 'wsrep_desync'),
  onOff('readOnly', 'read_only'),
  gauge('rejectQueries', 'wsrep_reject_queries', '1 when other than NONE.', (v) =>
    typeof v === 'string' ? (v.toUpperCase() === 'NONE' ? 0 : 1) : undefined,
  ),
  gauge('localRecvQueue', 'wsrep_local_recv_queue', 'write sets waiting to be applied.'),
  gauge('localSendQueue', 'wsrep_local_send_queue', 'write sets waiting to be sent.'),
  gauge('lastCommitted', 'wsrep_last_committed', 'seqno of the last transaction committed here.'),
  gauge('clusterConfId', 'wsrep_cluster_conf_id', 'number of the membership view this node is in.'),
  gauge('localIndex', 'wsrep_local_index', 'this node index in its component.'),
  [
    'flowControlPausedNs',
    'galera_probe_wsrep_flow_control_paused_seconds_total',
    'counter',
    'wsrep_flow_control_paused_ns in seconds: time paused by flow control.',
    (v) => (typeof v === 'number' && Number.isFinite(v) ? v / 1e9 : undefined),
  ],
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
  out.add(
    'probe_success',
    'gauge',
    'Whether the node should get traffic: 1 healthy, 0 otherwise.',
    labels,
    result.healthy ? 1 : 0,
  );
  out.add('probe_duration_seconds', 'gauge', 'How long the probe took.', labels, result.timings.total / 1000);
  for (const phase of PHASES) {
    const ms = result.timings[phase];
    if (ms !== undefined)
      out.add(
        'galera_probe_phase_duration_seconds',
        'gauge',
        'Time spent in each phase of the probe.',
        { ...labels, phase },
        ms / 1000,
      );
  }
  for (const outcome of PROBE_OUTCOMES) {
    out.add(
      'galera_probe_outcome',
      'gauge',
      'The probe outcome: 1 for the one that happened.',
      { ...labels, outcome },
      result.outcome === outcome ? 1 : 0,
    );
  }
  nodeGauges(out, result, labels);
}
