import type { NodeInfo } from './types.js';

/**
 * The Galera verdict is read from SHOW statements because they still answer
 * on a node that is not Primary, where ordinary SELECTs fail with 1047.
 */
export const STATUS_NAMES = [
  'wsrep_cluster_status',
  'wsrep_local_state',
  'wsrep_local_state_comment',
  'wsrep_ready',
  'wsrep_connected',
  'wsrep_cluster_size',
  'wsrep_local_recv_queue',
  // For the cluster view: which component and history this node is in, and how far it got.
  'wsrep_cluster_state_uuid',
  'wsrep_cluster_conf_id',
  'wsrep_gcomm_uuid',
  'wsrep_local_index',
  'wsrep_last_committed',
  'wsrep_incoming_addresses',
  'wsrep_flow_control_paused_ns',
  'wsrep_flow_control_paused',
  'wsrep_local_send_queue',
] as const;

export const VARIABLE_NAMES = [
  'wsrep_on',
  'wsrep_desync',
  'wsrep_reject_queries',
  'wsrep_sst_donor_rejects_queries',
  'read_only',
  'pxc_maint_mode',
  'wsrep_node_name',
] as const;

const inList = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(',');
export const STATUS_SQL = `SHOW GLOBAL STATUS WHERE Variable_name IN (${inList(STATUS_NAMES)})`;
export const VARIABLES_SQL = `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${inList(VARIABLE_NAMES)})`;
/**
 * The member set of the node's Primary component (Galera 4, MariaDB 10.4+). It fails with
 * 1047 on a non-Primary node, 1146 where the table does not exist and 1142 when the probe
 * user may not read it: none of these is a failure of the probe.
 */
export const MEMBERS_SQL = 'SELECT node_uuid, node_name, node_incoming_address FROM mysql.wsrep_cluster_members';
/** More members than any Galera cluster has; rows past it are a protocol problem, not data. */
export const MAX_MEMBERS = 256;

export interface VerdictPolicy {
  availableWhenDonor: boolean;
  requireWritable: boolean;
  /** The cluster's full size: a Primary component smaller than a majority of it is refused. */
  expectSize?: number | undefined;
  /** A receive queue longer than this is refused. */
  maxRecvQueue?: number | undefined;
}

/** The smallest number of members that is a strict majority of `size`. */
export function majorityOf(size: number): number {
  return Math.floor(size / 2) + 1;
}

export interface Verdict {
  healthy: boolean;
  reason: string;
  fields: Fields;
}

export const SYNCED = 4;
export const DONOR = 2;

/**
 * Name/value rows of SHOW STATUS or SHOW VARIABLES, with lower-case names; `clean`, when
 * given, turns each value (NULL as '') into what is kept.
 */
export function toMap(
  rows: readonly (readonly (string | null)[])[],
  clean?: (name: string, value: string) => string,
): Map<string, string> {
  const map = new Map<string, string>();
  for (const row of rows) {
    const name = row[0];
    if (typeof name !== 'string') continue;
    const key = name.toLowerCase();
    const value = row[1] ?? '';
    map.set(key, clean ? clean(key, value) : value);
  }
  return map;
}

function onOff(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toUpperCase();
  return v === 'ON' || v === '1' || v === 'TRUE' || v === 'YES';
}

// The two number forms below are read by code, not by regular expressions: V8 compiles one on
// its first use, to machine code after one run, some 0.1 million instructions each, and every
// check reads these (BENCHMARKS.md, section 13). test/verdict.test.ts holds them to the
// expressions they replace.

/** `-?\d{1,20}` with blanks around it (as trim() strips: the same set as \s), or undefined. Exported for its test. */
export function statusInteger(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const end = digitsEnd(v, v.startsWith('-') ? 1 : 0, 20);
  return end > 0 && end === v.length ? Number.parseInt(v, 10) : undefined;
}

/** `-?\d{1,20}(\.\d{1,20})?([eE]-?\d{1,3})?` with blanks around it, or undefined. */
export function statusDecimal(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let at = digitsEnd(v, v.startsWith('-') ? 1 : 0, 20);
  if (at > 0 && v[at] === '.') at = digitsEnd(v, at + 1, 20);
  if (at > 0 && (v[at] === 'e' || v[at] === 'E')) at = digitsEnd(v, v[at + 1] === '-' ? at + 2 : at + 1, 3);
  return at > 0 && at === v.length ? Number.parseFloat(v) : undefined;
}

/** Where a run of 1 to `max` ASCII digits from `from` ends, or -1 when there is none or it is longer. */
function digitsEnd(v: string, from: number, max: number): number {
  let at = from;
  while (at < v.length && at - from <= max) {
    const c = v.charCodeAt(at);
    if (c < 48 || c > 57) break;
    at++;
  }
  return at === from || at - from > max ? -1 : at;
}

/** A non-empty string, or undefined. */
function text(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function addresses(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((a) => a.trim());
}

type Fields = Omit<NodeInfo, 'version'>;

/**
 * Copies the fields that are not undefined into `to`, so absent fields stay absent. Property by
 * property, by name: a copy by computed key (a loop, Object.assign, a second spread) or a delete
 * turns an object with this many properties into a slow dictionary in V8, which every later copy
 * and JSON.stringify of it pays for (~15 times slower here). Every field of NodeInfo is listed.
 */
export function copyFields<T extends Fields>(from: { [K in keyof Fields]?: Fields[K] | undefined }, to: T): T {
  const f = from;
  const o: Fields = to;
  if (f.connectionId !== undefined) o.connectionId = f.connectionId;
  if (f.serverVerification !== undefined) o.serverVerification = f.serverVerification;
  if (f.authPlugin !== undefined) o.authPlugin = f.authPlugin;
  if (f.tls !== undefined) o.tls = f.tls;
  if (f.wsrepOn !== undefined) o.wsrepOn = f.wsrepOn;
  if (f.clusterStatus !== undefined) o.clusterStatus = f.clusterStatus;
  if (f.localState !== undefined) o.localState = f.localState;
  if (f.localStateComment !== undefined) o.localStateComment = f.localStateComment;
  if (f.ready !== undefined) o.ready = f.ready;
  if (f.connected !== undefined) o.connected = f.connected;
  if (f.desync !== undefined) o.desync = f.desync;
  if (f.rejectQueries !== undefined) o.rejectQueries = f.rejectQueries;
  if (f.sstDonorRejectsQueries !== undefined) o.sstDonorRejectsQueries = f.sstDonorRejectsQueries;
  if (f.readOnly !== undefined) o.readOnly = f.readOnly;
  if (f.maintMode !== undefined) o.maintMode = f.maintMode;
  if (f.clusterSize !== undefined) o.clusterSize = f.clusterSize;
  if (f.localRecvQueue !== undefined) o.localRecvQueue = f.localRecvQueue;
  if (f.clusterStateUuid !== undefined) o.clusterStateUuid = f.clusterStateUuid;
  if (f.clusterConfId !== undefined) o.clusterConfId = f.clusterConfId;
  if (f.gcommUuid !== undefined) o.gcommUuid = f.gcommUuid;
  if (f.localIndex !== undefined) o.localIndex = f.localIndex;
  if (f.lastCommitted !== undefined) o.lastCommitted = f.lastCommitted;
  if (f.nodeName !== undefined) o.nodeName = f.nodeName;
  if (f.incomingAddresses !== undefined) o.incomingAddresses = f.incomingAddresses;
  if (f.flowControlPausedNs !== undefined) o.flowControlPausedNs = f.flowControlPausedNs;
  if (f.flowControlPaused !== undefined) o.flowControlPaused = f.flowControlPaused;
  if (f.localSendQueue !== undefined) o.localSendQueue = f.localSendQueue;
  if (f.members !== undefined) o.members = f.members;
  if (f.membersUnavailable !== undefined) o.membersUnavailable = f.membersUnavailable;
  return to;
}

/** Reads the fields; decides healthy or not, with one reason. Pure. */
export function galeraVerdict(
  status: Map<string, string>,
  variables: Map<string, string>,
  policy: VerdictPolicy,
): Verdict {
  const fields = copyFields<Fields>(
    {
      wsrepOn: onOff(variables.get('wsrep_on')),
      clusterStatus: status.get('wsrep_cluster_status'),
      localState: statusInteger(status.get('wsrep_local_state')),
      localStateComment: status.get('wsrep_local_state_comment'),
      ready: onOff(status.get('wsrep_ready')),
      connected: onOff(status.get('wsrep_connected')),
      desync: onOff(variables.get('wsrep_desync')),
      rejectQueries: variables.get('wsrep_reject_queries'),
      sstDonorRejectsQueries: onOff(variables.get('wsrep_sst_donor_rejects_queries')),
      readOnly: onOff(variables.get('read_only')),
      maintMode: variables.get('pxc_maint_mode'),
      clusterSize: statusInteger(status.get('wsrep_cluster_size')),
      localRecvQueue: statusInteger(status.get('wsrep_local_recv_queue')),
      clusterStateUuid: text(status.get('wsrep_cluster_state_uuid')),
      clusterConfId: statusInteger(status.get('wsrep_cluster_conf_id')),
      gcommUuid: text(status.get('wsrep_gcomm_uuid')),
      localIndex: statusInteger(status.get('wsrep_local_index')),
      lastCommitted: statusInteger(status.get('wsrep_last_committed')),
      nodeName: text(variables.get('wsrep_node_name')),
      incomingAddresses: addresses(status.get('wsrep_incoming_addresses')),
      flowControlPausedNs: statusInteger(status.get('wsrep_flow_control_paused_ns')),
      flowControlPaused: statusDecimal(status.get('wsrep_flow_control_paused')),
      localSendQueue: statusInteger(status.get('wsrep_local_send_queue')),
    },
    {},
  );
  const unhealthy = (reason: string): Verdict => ({ healthy: false, reason, fields });

  if (fields.localState === undefined || fields.wsrepOn === false) {
    return unhealthy(
      fields.wsrepOn === false ? 'not a Galera node (wsrep_on is OFF)' : 'not a Galera node (no wsrep status)',
    );
  }
  if (fields.connected === false) return unhealthy('disconnected from the cluster (wsrep_connected=OFF)');
  const clusterStatus = fields.clusterStatus ?? 'unknown';
  if (clusterStatus.toLowerCase() !== 'primary') {
    return unhealthy(
      clusterStatus.toLowerCase() === 'non-primary' ? 'non-Primary' : `non-Primary (cluster status ${clusterStatus})`,
    );
  }
  const expected = policy.expectSize;
  if (expected !== undefined && fields.clusterSize !== undefined && fields.clusterSize < majorityOf(expected)) {
    return unhealthy(`minority component: ${fields.clusterSize} of ${expected} nodes`);
  }
  const comment = fields.localStateComment ?? `state ${fields.localState}`;
  const donorAllowed =
    fields.localState === DONOR && policy.availableWhenDonor && fields.sstDonorRejectsQueries !== true;
  if (fields.localState !== SYNCED && !donorAllowed) {
    if (fields.localState === DONOR && policy.availableWhenDonor) {
      return unhealthy(`not synced: ${comment}, and the donor rejects queries (wsrep_sst_donor_rejects_queries=ON)`);
    }
    return unhealthy(`not synced: ${comment} (state ${fields.localState})`);
  }
  if (fields.ready === false) return unhealthy('not ready (wsrep_ready=OFF)');
  const reject = fields.rejectQueries;
  if (reject !== undefined && reject.toUpperCase() !== 'NONE') {
    return unhealthy(`rejecting queries (wsrep_reject_queries=${reject})`);
  }
  const maint = fields.maintMode;
  if (maint !== undefined && maint.toUpperCase() !== 'DISABLED')
    return unhealthy(`maintenance mode (pxc_maint_mode=${maint})`);
  if (policy.requireWritable && fields.readOnly === true) return unhealthy('read-only (read_only=ON)');
  const queue = fields.localRecvQueue;
  if (policy.maxRecvQueue !== undefined && queue !== undefined && queue > policy.maxRecvQueue) {
    return unhealthy(`lagging: recv queue ${queue} > ${policy.maxRecvQueue}`);
  }
  return { healthy: true, reason: donorAllowed ? `donor: ${comment}, available when donor` : 'synced', fields };
}
