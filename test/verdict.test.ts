import { describe, expect, it } from 'vitest';
import { galeraVerdict, STATUS_SQL, VARIABLES_SQL } from '../src/probe/verdict.js';

const synced = {
  wsrep_cluster_status: 'Primary',
  wsrep_local_state: '4',
  wsrep_local_state_comment: 'Synced',
  wsrep_ready: 'ON',
  wsrep_connected: 'ON',
  wsrep_cluster_size: '3',
  wsrep_local_recv_queue: '0',
};
const vars = { wsrep_on: 'ON', wsrep_desync: 'OFF', wsrep_reject_queries: 'NONE', wsrep_sst_donor_rejects_queries: 'OFF', read_only: 'OFF' };
const policy = { availableWhenDonor: false, requireWritable: false };

function verdict(status: Record<string, string>, variables: Record<string, string> = {}, p = policy) {
  return galeraVerdict(new Map(Object.entries({ ...synced, ...status })), new Map(Object.entries({ ...vars, ...variables })), p);
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
    [{ wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' }, {}, 'not synced: Donor/Desynced (state 2)'],
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
    expect(verdict(donor, { wsrep_desync: 'ON' }, allow)).toMatchObject({ healthy: true, reason: 'donor: Donor/Desynced, available when donor' });
    expect(verdict(donor, { wsrep_sst_donor_rejects_queries: 'ON' }, allow)).toMatchObject({ healthy: false });
    expect(verdict({ wsrep_local_state: '1' }, {}, allow).healthy).toBe(false);
  });

  it('read_only matters only with requireWritable', () => {
    expect(verdict({}, { read_only: 'ON' }).healthy).toBe(true);
    expect(verdict({}, { read_only: 'ON' }, { ...policy, requireWritable: true })).toMatchObject({ healthy: false, reason: 'read-only (read_only=ON)' });
  });

  it('a server without wsrep is not a Galera node', () => {
    expect(galeraVerdict(new Map(), new Map([['read_only', 'OFF']]), policy)).toMatchObject({ healthy: false, reason: 'not a Galera node (no wsrep status)' });
    expect(verdict({}, { wsrep_on: 'OFF' })).toMatchObject({ healthy: false, reason: 'not a Galera node (wsrep_on is OFF)' });
  });

  it('asks with SHOW statements that answer on a non-Primary node', () => {
    expect(STATUS_SQL).toMatch(/^SHOW GLOBAL STATUS WHERE Variable_name IN \('wsrep_cluster_status',/);
    expect(VARIABLES_SQL).toMatch(/^SHOW GLOBAL VARIABLES WHERE Variable_name IN \(/);
    expect(VARIABLES_SQL).toContain("'pxc_maint_mode'");
  });
});
