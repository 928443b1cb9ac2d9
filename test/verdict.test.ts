import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../src/probe/types.js';
import { copyFields, galeraVerdict, STATUS_SQL, VARIABLES_SQL } from '../src/probe/verdict.js';
import { SYNCED_NODE } from './support/fake-server.js';

// The synced node of the fake server (test/support/fake-server.ts): one copy of its rows.
const synced = SYNCED_NODE.status;
const vars = SYNCED_NODE.variables;
const policy = { availableWhenDonor: false, requireWritable: false };

function verdict(status: Record<string, string>, variables: Record<string, string> = {}, p = policy) {
  return galeraVerdict(
    new Map(Object.entries({ ...synced, ...status })),
    new Map(Object.entries({ ...vars, ...variables })),
    p,
  );
}

describe('the Galera verdict', () => {
  it('synced and Primary is healthy', () => {
    expect(verdict({})).toMatchObject({ healthy: true, reason: 'synced', fields: { clusterSize: 3, localState: 4 } });
  });

  it.each([
    [{ wsrep_cluster_status: 'non-Primary' }, {}, 'non-Primary'],
    [{ wsrep_cluster_status: 'Disconnected' }, {}, 'non-Primary (cluster status Disconnected)'],
    [{ wsrep_connected: 'OFF' }, {}, 'disconnected from the cluster (wsrep_connected=OFF)'],
    [{ wsrep_local_state: '1', wsrep_local_state_comment: 'Joining' }, {}, 'not synced: Joining (state 1)'],
    [{ wsrep_local_state: '3', wsrep_local_state_comment: 'Joined' }, {}, 'not synced: Joined (state 3)'],
    [
      { wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' },
      {},
      'not synced: Donor/Desynced (state 2)',
    ],
    [{ wsrep_ready: 'OFF' }, {}, 'not ready (wsrep_ready=OFF)'],
    [{}, { wsrep_reject_queries: 'ALL' }, 'rejecting queries (wsrep_reject_queries=ALL)'],
    [{}, { pxc_maint_mode: 'MAINTENANCE' }, 'maintenance mode (pxc_maint_mode=MAINTENANCE)'],
  ])('%o %o is unhealthy: %s', (status, variables, reason) => {
    expect(verdict(status, variables)).toMatchObject({ healthy: false, reason });
  });

  it('pxc_maint_mode DISABLED is fine', () => {
    expect(verdict({}, { pxc_maint_mode: 'DISABLED' }).healthy).toBe(true);
  });

  it('donor counts only with availableWhenDonor and when the donor accepts queries', () => {
    const donor = { wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' };
    const allow = { ...policy, availableWhenDonor: true };
    expect(verdict(donor, { wsrep_desync: 'ON' }, allow)).toMatchObject({
      healthy: true,
      reason: 'donor: Donor/Desynced, available when donor',
    });
    expect(verdict(donor, { wsrep_sst_donor_rejects_queries: 'ON' }, allow)).toMatchObject({ healthy: false });
    expect(verdict({ wsrep_local_state: '1' }, {}, allow).healthy).toBe(false);
  });

  it('read_only matters only with requireWritable', () => {
    expect(verdict({}, { read_only: 'ON' }).healthy).toBe(true);
    expect(verdict({}, { read_only: 'ON' }, { ...policy, requireWritable: true })).toMatchObject({
      healthy: false,
      reason: 'read-only (read_only=ON)',
    });
  });

  it('a server without wsrep is not a Galera node', () => {
    expect(galeraVerdict(new Map(), new Map([['read_only', 'OFF']]), policy)).toMatchObject({
      healthy: false,
      reason: 'not a Galera node (no wsrep status)',
    });
    expect(verdict({}, { wsrep_on: 'OFF' })).toMatchObject({
      healthy: false,
      reason: 'not a Galera node (wsrep_on is OFF)',
    });
  });

  it('asks with SHOW statements that answer on a non-Primary node', () => {
    expect(STATUS_SQL).toMatch(/^SHOW GLOBAL STATUS WHERE Variable_name IN \('wsrep_cluster_status',/);
    expect(VARIABLES_SQL).toMatch(/^SHOW GLOBAL VARIABLES WHERE Variable_name IN \(/);
    expect(VARIABLES_SQL).toContain("'pxc_maint_mode'");
  });
});

describe('the facts for the cluster view', () => {
  it('are read from the status and variables when present', () => {
    const v = verdict(
      {
        wsrep_cluster_state_uuid: '21147112-e995-11f1-b33d-cfad17c45876',
        wsrep_cluster_conf_id: '7',
        wsrep_gcomm_uuid: '2113dfea-e995-11f1-9de2-2e7a7d87a665',
        wsrep_local_index: '0',
        wsrep_last_committed: '1234567',
        wsrep_incoming_addresses: '127.0.0.1:3311,AUTO,',
        wsrep_flow_control_paused_ns: '987654321',
        wsrep_flow_control_paused: '0.0125',
        wsrep_local_send_queue: '2',
      },
      { wsrep_node_name: 'node1' },
    );
    expect(v.fields).toMatchObject({
      clusterStateUuid: '21147112-e995-11f1-b33d-cfad17c45876',
      clusterConfId: 7,
      gcommUuid: '2113dfea-e995-11f1-9de2-2e7a7d87a665',
      localIndex: 0,
      lastCommitted: 1234567,
      nodeName: 'node1',
      incomingAddresses: ['127.0.0.1:3311', 'AUTO', ''],
      flowControlPausedNs: 987654321,
      flowControlPaused: 0.0125,
      localSendQueue: 2,
    });
  });

  it('are absent, not NaN or empty, when the server does not report them or reports garbage', () => {
    // The synced node without the facts the verdict itself does not need, and garbage in some.
    const unreported = new Set(['wsrep_gcomm_uuid', 'wsrep_node_name', 'wsrep_incoming_addresses']);
    const bare = (rows: Record<string, string>) => new Map(Object.entries(rows).filter(([k]) => !unreported.has(k)));
    const garbage = {
      wsrep_cluster_conf_id: 'x',
      wsrep_last_committed: '1'.repeat(30),
      wsrep_flow_control_paused: 'NaN',
      wsrep_cluster_state_uuid: '',
    };
    const v = galeraVerdict(bare({ ...synced, ...garbage }), bare(vars), policy);
    expect(v.healthy).toBe(true);
    for (const key of [
      'clusterConfId',
      'lastCommitted',
      'flowControlPaused',
      'clusterStateUuid',
      'gcommUuid',
      'nodeName',
      'incomingAddresses',
    ]) {
      expect(v.fields, key).not.toHaveProperty(key);
    }
  });
});

describe('--expect-size and --max-recv-queue', () => {
  const expecting = (expectSize: number) => ({ ...policy, expectSize });
  it.each([
    [1, 3, false, 'minority component: 1 of 3 nodes'],
    [2, 3, true, 'synced'],
    [2, 4, false, 'minority component: 2 of 4 nodes'],
    [3, 4, true, 'synced'],
    [3, 5, true, 'synced'],
    [1, 1, true, 'synced'],
  ])('a Primary component of %i with --expect-size %i: healthy %s (%s)', (size, expectSize, healthy, reason) => {
    expect(verdict({ wsrep_cluster_size: String(size) }, {}, expecting(expectSize))).toMatchObject({ healthy, reason });
  });

  it('a non-Primary node is refused for being non-Primary, whatever its size', () => {
    expect(verdict({ wsrep_cluster_status: 'non-Primary', wsrep_cluster_size: '1' }, {}, expecting(3)).reason).toBe(
      'non-Primary',
    );
  });

  it('a receive queue above the limit is lagging; at the limit it is not', () => {
    const limit = { ...policy, maxRecvQueue: 100 };
    expect(verdict({ wsrep_local_recv_queue: '120' }, {}, limit)).toMatchObject({
      healthy: false,
      reason: 'lagging: recv queue 120 > 100',
    });
    expect(verdict({ wsrep_local_recv_queue: '100' }, {}, limit).healthy).toBe(true);
    expect(verdict({ wsrep_local_recv_queue: '5000' }).healthy).toBe(true);
  });
});

describe('copyFields', () => {
  it('copies every field of NodeInfo but the version, and none that is undefined', () => {
    // Required: a field added to NodeInfo must be added here, and then to copyFields.
    const every: Required<Omit<NodeInfo, 'version'>> = {
      connectionId: 1,
      authPlugin: 'p',
      tls: true,
      serverVerification: 'ca',
      wsrepOn: true,
      clusterStatus: 'Primary',
      localState: 4,
      localStateComment: 'Synced',
      ready: true,
      connected: true,
      desync: false,
      rejectQueries: 'NONE',
      sstDonorRejectsQueries: false,
      readOnly: false,
      maintMode: 'DISABLED',
      clusterSize: 3,
      localRecvQueue: 0,
      clusterStateUuid: 'u',
      clusterConfId: 2,
      gcommUuid: 'g',
      localIndex: 0,
      lastCommitted: 9,
      nodeName: 'n',
      incomingAddresses: ['a'],
      flowControlPausedNs: 0,
      flowControlPaused: 0,
      localSendQueue: 0,
      members: [],
      membersUnavailable: '1142 denied',
    };
    expect(copyFields(every, { version: 'v' } as NodeInfo)).toEqual({ version: 'v', ...every });
    const some = copyFields({ ...every, desync: undefined, members: undefined }, {});
    expect(Object.keys(some).sort()).toEqual(
      Object.keys(every)
        .filter((k) => k !== 'desync' && k !== 'members')
        .sort(),
    );
  });
});
