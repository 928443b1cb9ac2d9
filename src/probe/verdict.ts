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
] as const;

export const VARIABLE_NAMES = [
  'wsrep_on',
  'wsrep_desync',
  'wsrep_reject_queries',
  'wsrep_sst_donor_rejects_queries',
  'read_only',
  'pxc_maint_mode',
] as const;

const inList = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(',');
export const STATUS_SQL = `SHOW GLOBAL STATUS WHERE Variable_name IN (${inList(STATUS_NAMES)})`;
export const VARIABLES_SQL = `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${inList(VARIABLE_NAMES)})`;

export interface VerdictPolicy {
  availableWhenDonor: boolean;
  requireWritable: boolean;
}

export interface Verdict {
  healthy: boolean;
  reason: string;
  fields: Omit<NodeInfo, 'version'>;
}

export const SYNCED = 4;
export const DONOR = 2;

/** Name/value rows of SHOW STATUS or SHOW VARIABLES, with lower-case names. */
export function toMap(rows: readonly (readonly (string | null)[])[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const row of rows) {
    const [name, value] = row;
    if (typeof name === 'string') map.set(name.toLowerCase(), value ?? '');
  }
  return map;
}

function onOff(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toUpperCase();
  return v === 'ON' || v === '1' || v === 'TRUE' || v === 'YES';
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return undefined;
  return Number.parseInt(value, 10);
}

/** Drops the keys whose value is undefined, so absent fields stay absent. */
function defined<T extends object>(obj: { [K in keyof T]: T[K] | undefined }): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj as T;
}

/** Reads the fields; decides healthy or not, with one reason. Pure. */
export function galeraVerdict(status: Map<string, string>, variables: Map<string, string>, policy: VerdictPolicy): Verdict {
  const fields = defined<Omit<NodeInfo, 'version'>>({
    wsrepOn: onOff(variables.get('wsrep_on')),
    clusterStatus: status.get('wsrep_cluster_status'),
    localState: integer(status.get('wsrep_local_state')),
    localStateComment: status.get('wsrep_local_state_comment'),
    ready: onOff(status.get('wsrep_ready')),
    connected: onOff(status.get('wsrep_connected')),
    desync: onOff(variables.get('wsrep_desync')),
    rejectQueries: variables.get('wsrep_reject_queries'),
    sstDonorRejectsQueries: onOff(variables.get('wsrep_sst_donor_rejects_queries')),
    readOnly: onOff(variables.get('read_only')),
    maintMode: variables.get('pxc_maint_mode'),
    clusterSize: integer(status.get('wsrep_cluster_size')),
    localRecvQueue: integer(status.get('wsrep_local_recv_queue')),
  });
  const unhealthy = (reason: string): Verdict => ({ healthy: false, reason, fields });

  if (fields.localState === undefined || fields.wsrepOn === false) {
    return unhealthy(fields.wsrepOn === false ? 'not a Galera node (wsrep_on is OFF)' : 'not a Galera node (no wsrep status)');
  }
  if (fields.connected === false) return unhealthy('disconnected from the cluster (wsrep_connected=OFF)');
  const clusterStatus = fields.clusterStatus ?? 'unknown';
  if (clusterStatus.toLowerCase() !== 'primary') {
    return unhealthy(clusterStatus.toLowerCase() === 'non-primary' ? 'non-Primary' : `non-Primary (cluster status ${clusterStatus})`);
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
  if (maint !== undefined && maint.toUpperCase() !== 'DISABLED') return unhealthy(`maintenance mode (pxc_maint_mode=${maint})`);
  if (policy.requireWritable && fields.readOnly === true) return unhealthy('read-only (read_only=ON)');
  return { healthy: true, reason: donorAllowed ? `donor: ${comment}, available when donor` : 'synced', fields };
}
