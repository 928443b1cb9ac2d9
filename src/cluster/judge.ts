/**
 * Judging several nodes together, as Galera itself defines consistency: one history (the
 * same `wsrep_cluster_state_uuid`), one Primary component, and the writer chosen by a rule
 * that every observer applies the same way. Pure: results in, a judgement out; no sockets,
 * no clock.
 */
import type { NodeInfo, ProbeResult } from '../probe/types.js';
import { majorityOf } from '../probe/verdict.js';
import type { ClusterResult, Component, Identification, Judgement } from './types.js';

export interface JudgeOptions {
  /**
   * The cluster's full size. A Primary component smaller than a majority of it does not count
   * as Primary (opt-in: it also refuses the survivor of clean shutdowns). Without it, the
   * majority that settles a split brain is a majority of the targets.
   */
  expectSize?: number | undefined;
}

/** One answering Galera node's view of its component. */
interface View {
  index: number;
  result: ProbeResult;
  node: NodeInfo;
  primary: boolean;
  /** Member identities (uuids or addresses); undefined when only the status is known. */
  ids: Set<string> | undefined;
  labels: string[];
  identifiedBy: Identification;
  size: number;
  /** Identities of the node itself, to find it in another view's member set. */
  self: string[];
}

const answered = (r: ProbeResult): boolean => r.outcome === 'healthy' || r.outcome === 'unhealthy';
const isGalera = (n: NodeInfo | undefined): n is NodeInfo =>
  n !== undefined && n.localState !== undefined && n.wsrepOn !== false;
const isPrimary = (n: NodeInfo): boolean => (n.clusterStatus ?? '').toLowerCase() === 'primary';
const usableAddress = (a: string): boolean => a !== '' && a.toUpperCase() !== 'AUTO';

function viewOf(result: ProbeResult, index: number): View | undefined {
  const node = result.node;
  if (!answered(result) || !isGalera(node)) return undefined;
  const primary = isPrimary(node);
  const self = [node.gcommUuid, result.target].filter((x): x is string => x !== undefined);
  let ids: Set<string> | undefined;
  let labels: string[] = [];
  let identifiedBy: Identification = 'status';
  if (!primary) {
    // Outside a Primary component a node vouches for nobody but itself: its members SELECT
    // fails and its wsrep_incoming_addresses still lists the peers it lost.
    ids = new Set([node.gcommUuid ?? result.target]);
    labels = [node.nodeName ?? result.target];
  } else if (node.members !== undefined && node.members.length > 0) {
    ids = new Set(node.members.map((m) => m.uuid));
    labels = node.members.map((m) => m.name || (usableAddress(m.address) ? m.address : m.uuid));
    identifiedBy = 'members';
  } else if (
    node.incomingAddresses !== undefined &&
    node.incomingAddresses.length > 0 &&
    !node.incomingAddresses.some((a) => a.toUpperCase() === 'AUTO')
  ) {
    // Galera 3, or no privilege on the members table: the addresses the component publishes.
    const usable = node.incomingAddresses.filter(usableAddress);
    if (usable.length > 0) {
      ids = new Set(usable);
      labels = usable;
      identifiedBy = 'addresses';
    }
  }
  const size = Math.max(node.clusterSize ?? 0, ids?.size ?? 0, 1);
  return { index, result, node, primary, ids, labels: [...new Set(labels)].sort(), identifiedBy, size, self };
}

/** Do two views describe the same component? */
function sameComponent(a: View, b: View): boolean {
  if (a.ids && b.ids && a.identifiedBy === b.identifiedBy) {
    // Disjoint member sets are two components; overlapping but different ones are one
    // component whose nodes have not all installed the same view yet.
    for (const id of a.ids) if (b.ids.has(id)) return true;
    return false;
  }
  if (a.ids && b.self.some((id) => a.ids!.has(id))) return true;
  if (b.ids && a.self.some((id) => b.ids!.has(id))) return true;
  return a.node.clusterConfId === b.node.clusterConfId && a.size === b.size;
}

/** Groups views into components (transitively), keeping target order. */
function group(views: View[]): View[][] {
  const groups: View[][] = [];
  for (const view of views) {
    const joined = groups.filter((g) => g.some((other) => sameComponent(view, other)));
    const merged = [...joined.flat(), view].sort((x, y) => x.index - y.index);
    for (const g of joined) groups.splice(groups.indexOf(g), 1);
    groups.push(merged);
  }
  return groups.sort((x, y) => x[0]!.index - y[0]!.index);
}

function componentOf(views: View[], primary: boolean, expectSize: number | undefined): Component {
  const labels = new Set<string>();
  for (const v of views) for (const l of v.labels) labels.add(l);
  const confIds = views.map((v) => v.node.clusterConfId).filter((x): x is number => x !== undefined);
  const keys = new Set(views.map((v) => (v.ids ? [...v.ids].sort().join(',') : `${v.node.clusterConfId}/${v.size}`)));
  const size = Math.max(...views.map((v) => v.size));
  return {
    members: [...labels].sort(),
    primary,
    minority: primary && expectSize !== undefined && size < majorityOf(expectSize),
    size,
    confId: confIds.length > 0 ? Math.max(...confIds) : null,
    stateUuid: views[0]!.node.clusterStateUuid ?? null,
    targets: views.map((v) => v.result.target),
    identifiedBy: views.every((v) => v.identifiedBy === views[0]!.identifiedBy) ? views[0]!.identifiedBy : 'status',
    changing: keys.size > 1,
  };
}

/** `{n1,n2}`, or the targets that reported it when the members are unknown. */
export function componentLabel(c: Component): string {
  return `{${(c.members.length > 0 ? c.members : c.targets).join(',')}}`;
}

/** The history most answering nodes share; ties go to the first in target order. */
function majorityStateUuid(views: View[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of views) {
    const uuid = v.node.clusterStateUuid;
    if (uuid !== undefined) counts.set(uuid, (counts.get(uuid) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [uuid, n] of counts) if (best === undefined || n > counts.get(best)!) best = uuid;
  return best;
}

function describeFailure(r: ProbeResult): string {
  if (r.outcome === 'unhealthy') return `${r.target} ${r.reason}`;
  return `${r.target} ${r.outcome}${r.phase ? ` in ${r.phase}` : ''}`;
}

/** A Primary component with the views of the nodes that reported being in it. */
interface Primary {
  views: View[];
  component: Component;
}

/** Everything a verdict is decided from: the answering nodes of one history, grouped into components. */
interface Scene {
  results: readonly ProbeResult[];
  expectSize: number | undefined;
  /** Views of the nodes that share the majority's history. */
  views: View[];
  /** Views of the nodes of another history (another cluster, or a diverged one). */
  otherCluster: View[];
  /** The Primary components that count: a minority component alone does not. */
  counted: Primary[];
  /** What every verdict carries: components, other-cluster targets, notes; no verdict yet. */
  judged: Omit<Judgement, 'verdict' | 'reason'>;
}

/** Judges the cluster from one probe result per target, given in writer-preference order. */
export function judgeCluster(results: readonly ProbeResult[], options: JudgeOptions = {}): Judgement {
  const expectSize = options.expectSize;
  if (!results.some(answered)) {
    const n = results.length;
    const reason = n === 0 ? 'no targets' : `no target answered (${results.map(describeFailure).join('; ')})`;
    return { ...emptyJudgement(expectSize), verdict: 'unreachable', reason };
  }
  const scene = sceneOf(results, expectSize);
  if (scene.counted.length === 0) return noPrimary(scene);
  if (scene.counted.length > 1) return splitBrain(scene);
  return onePrimary(scene, scene.counted[0]!);
}

function emptyJudgement(expectSize: number | undefined): Omit<Judgement, 'verdict' | 'reason'> {
  return {
    writer: null,
    bootstrapCandidate: null,
    expectSize: expectSize ?? null,
    components: [],
    otherCluster: [],
    notes: [],
  };
}

/** The answering nodes' views, split by history and grouped into components. */
function sceneOf(results: readonly ProbeResult[], expectSize: number | undefined): Scene {
  const allViews = results.map(viewOf).filter((v): v is View => v !== undefined);
  const uuid = majorityStateUuid(allViews);
  const otherCluster = allViews.filter(
    (v) => uuid !== undefined && v.node.clusterStateUuid !== undefined && v.node.clusterStateUuid !== uuid,
  );
  const views = allViews.filter((v) => !otherCluster.includes(v));
  const primaryGroups = group(views.filter((v) => v.primary));
  const otherGroups = group(views.filter((v) => !v.primary));
  const components = [
    ...primaryGroups.map((g) => componentOf(g, true, expectSize)),
    ...otherGroups.map((g) => componentOf(g, false, expectSize)),
  ];
  const primaries = primaryGroups.map((g, i) => ({ views: g, component: components[i]! }));
  // A minority component (under --expect-size) alone does not count as Primary; beside
  // another one it is still a second Primary component taking writes: a split brain.
  const counted = primaries.length === 1 && primaries[0]!.component.minority ? [] : primaries;
  const judged = { ...emptyJudgement(expectSize), components, otherCluster: otherCluster.map((v) => v.result.target) };
  if (views.some((v) => v.primary && v.identifiedBy === 'status')) {
    judged.notes.push(
      'some nodes did not say who is in their component (no SELECT on mysql.wsrep_cluster_members, and no usable wsrep_incoming_addresses): components told apart by size and configuration id only',
    );
  }
  return { results, expectSize, views, otherCluster, counted, judged };
}

/** The first target, in the order given, that is healthy, writable and in `members`. */
function writerIn(members: View[]): string | null {
  const chosen = members.find((v) => v.result.healthy && v.node.readOnly !== true);
  return chosen ? chosen.result.target : null;
}

/** No Primary component counts: quorum lost, or only a minority under --expect-size. */
function noPrimary({ results, expectSize, views, judged }: Scene): Judgement {
  const minority = judged.components.filter((c) => c.minority);
  const why =
    minority.length > 0
      ? `no Primary component holds a majority of ${expectSize} (${minority.map((c) => `${componentLabel(c)} has ${c.size}`).join(', ')})`
      : 'no answering node is in a Primary component (quorum lost)';
  const candidates = views.filter((v) => v.node.lastCommitted !== undefined);
  let candidate: View | undefined;
  for (const v of candidates)
    if (candidate === undefined || v.node.lastCommitted! > candidate.node.lastCommitted!) candidate = v;
  const silent = results.filter((r) => !answered(r)).length;
  const bootstrap = candidate
    ? `; bootstrap candidate ${candidate.result.target} (last committed ${candidate.node.lastCommitted}${silent > 0 ? `; ${silent} target(s) did not answer and may hold newer data` : ''})`
    : '';
  return {
    ...judged,
    verdict: 'no-primary',
    reason: `${why}${bootstrap}`,
    bootstrapCandidate: candidate?.result.target ?? null,
  };
}

/** Two or more Primary components: the writer only inside one holding a strict majority. */
function splitBrain({ results, expectSize, counted, judged }: Scene): Judgement {
  const majorityBase = expectSize ?? results.length;
  const winners = counted.filter((x) => !x.component.minority && x.component.size >= majorityOf(majorityBase));
  const winner = winners.length === 1 ? winners[0] : undefined;
  const list = counted.map((x) => componentLabel(x.component)).join(', ');
  const side = winner
    ? `; ${componentLabel(winner.component)} holds a majority of ${majorityBase}`
    : `; none holds a majority of ${majorityBase}: no writer`;
  return {
    ...judged,
    verdict: 'split-brain',
    reason: `${counted.length} Primary components (${list})${side}`,
    writer: winner ? writerIn(winner.views) : null,
  };
}

/** One Primary component: healthy when every target is a healthy node inside it, else degraded. */
function onePrimary({ results, otherCluster, judged }: Scene, only: Primary): Judgement {
  const inside = new Set(only.views.map((v) => v.result));
  const problems: string[] = [];
  for (const r of results) {
    if (!answered(r)) problems.push(describeFailure(r));
    else if (otherCluster.some((v) => v.result === r))
      problems.push(`${r.target} belongs to another cluster (state uuid ${r.node?.clusterStateUuid})`);
    else if (!inside.has(r))
      problems.push(`${r.target} is outside the Primary component${r.healthy ? '' : ` (${r.reason})`}`);
    else if (!r.healthy) problems.push(describeFailure(r));
  }
  if (only.component.changing) problems.push('its nodes report different members (a view change in progress)');
  const writer = writerIn(only.views);
  const label = componentLabel(only.component);
  if (problems.length === 0) {
    return {
      ...judged,
      verdict: 'healthy',
      reason: `${results.length} of ${results.length} nodes healthy in one Primary component ${label}`,
      writer,
    };
  }
  const healthyCount = only.views.filter((v) => v.result.healthy).length;
  const head =
    healthyCount === 0
      ? `no healthy node in the Primary component ${label}`
      : `${healthyCount} of ${results.length} nodes healthy in the Primary component ${label}`;
  return { ...judged, verdict: 'degraded', reason: `${head}; ${problems.join('; ')}`, writer };
}

/** The whole result: a judgement with the nodes it judged, notes of the caller's, and the time taken. */
export function clusterResult(
  j: Judgement,
  nodes: ProbeResult[],
  totalMs: number,
  notes: readonly string[] = [],
): ClusterResult {
  return {
    verdict: j.verdict,
    reason: j.reason,
    writer: j.writer,
    bootstrapCandidate: j.bootstrapCandidate,
    expectSize: j.expectSize,
    components: j.components,
    nodes,
    otherCluster: j.otherCluster,
    notes: [...j.notes, ...notes],
    timings: { total: Math.round(totalMs * 10) / 10 },
  };
}
