/**
 * examples/prometheus/galera-probe.rules.yml, checked by Prometheus's own tools: `promtool
 * check rules` accepts it, `promtool test rules` passes its test file, and that test file has
 * teeth: every one of the six alerts is expected both firing and not firing in it, and the test
 * fails when an alert is made to never fire or to always fire. Every metric the rules read is
 * one that galera-probe writes (named in src/serve).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = join(ROOT, 'examples', 'prometheus');
const RULES = join(DIR, 'galera-probe.rules.yml');
const TESTS = join(DIR, 'galera-probe.rules.test.yml');
const ALERTS = [
  'GaleraSplitBrain',
  'GaleraNoPrimary',
  'GaleraNoWriter',
  'GaleraNodeDown',
  'GaleraNodeLagging',
  'GaleraProbeErrors',
];

function promtool(args: string[], cwd = DIR): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const work = mkdtempSync(join(tmpdir(), 'gp-rules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The rules file with one alert's expression replaced, and the test file beside it. */
function mutated(alert: string, expr: string): string {
  const text = readFileSync(RULES, 'utf8');
  const start = text.indexOf(`- alert: ${alert}\n`);
  expect(start).toBeGreaterThan(0);
  const exprAt = text.indexOf('expr:', start);
  const next = text.indexOf('\n        for:', exprAt);
  const dir = mkdtempSync(join(work, `${alert}-`));
  writeFileSync(join(dir, 'galera-probe.rules.yml'), `${text.slice(0, exprAt)}expr: ${expr}${text.slice(next)}`);
  copyFileSync(TESTS, join(dir, 'galera-probe.rules.test.yml'));
  expect(promtool(['check', 'rules', 'galera-probe.rules.yml'], dir).status).toBe(0);
  return dir;
}

describe('the Prometheus rules', () => {
  it('promtool check rules accepts them: recording rules and the six alerts, each with severity, summary and description', () => {
    const r = promtool(['check', 'rules', 'galera-probe.rules.yml']);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
    const text = readFileSync(RULES, 'utf8');
    expect((text.match(/^\s+- record: galera:/gm) ?? []).length).toBeGreaterThanOrEqual(8);
    for (const alert of ALERTS) {
      const block = text.slice(text.indexOf(`- alert: ${alert}\n`)).split(/\n\s+- alert: /)[0]!;
      expect(block, alert).toMatch(/severity: (critical|warning)/);
      expect(block, alert).toMatch(/summary: /);
      expect(block, alert).toMatch(/description: >-\n(\s{12}\S.*\n){2,}/);
    }
    expect([...text.matchAll(/- alert: (\w+)/g)].map((m) => m[1]).sort()).toEqual([...ALERTS].sort());
  });

  it('promtool test rules passes, with every alert expected firing and not firing', () => {
    const r = promtool(['test', 'rules', 'galera-probe.rules.test.yml']);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
    const tests = readFileSync(TESTS, 'utf8');
    for (const alert of ALERTS) {
      const cases = tests.split('      - eval_time: ').filter((c) => c.includes(`alertname: ${alert}\n`));
      expect(
        cases.some((c) => /exp_alerts: \[\]/.test(c)),
        `${alert} not firing`,
      ).toBe(true);
      expect(
        cases.some((c) => /exp_alerts:\n\s+- exp_labels:/.test(c)),
        `${alert} firing`,
      ).toBe(true);
    }
  });

  it.each(ALERTS)('the test file catches %s made to never fire, and to always fire', (alert) => {
    const never = promtool(['test', 'rules', 'galera-probe.rules.test.yml'], mutated(alert, 'vector(0) > 1'));
    expect(never.status).not.toBe(0);
    expect(never.out).toContain(`alertname: ${alert}`);
    const always = promtool(['test', 'rules', 'galera-probe.rules.test.yml'], mutated(alert, 'vector(1)'));
    expect(always.status).not.toBe(0);
    expect(always.out).toContain(`alertname: ${alert}`);
  });

  it('reads only metrics that galera-probe writes', () => {
    const src: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) visit(path);
        else if (path.endsWith('.ts')) src.push(readFileSync(path, 'utf8'));
      }
    };
    visit(join(ROOT, 'src'));
    const written = src.join('\n');
    const rules = readFileSync(RULES, 'utf8').replace(/^\s*#.*$/gm, '');
    const read = new Set([...rules.matchAll(/\b(galera_probe_[a-z_]+|probe_success)\b/g)].map((m) => m[1]!));
    expect(read.size).toBeGreaterThanOrEqual(10);
    // A gauge of a server variable is named in the source by the variable alone (`galera_probe_<variable>`).
    const named = (name: string): boolean =>
      new RegExp(`['"\`]${name}['"\`{]`).test(written) ||
      (name.startsWith('galera_probe_') &&
        new RegExp(`['"\`]${name.slice('galera_probe_'.length)}['"\`]`).test(written));
    for (const metric of read) expect(named(metric), metric).toBe(true);
  });
});
