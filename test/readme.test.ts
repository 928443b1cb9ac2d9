/**
 * The documentation is the contract. These tests read its option tables (docs/cli.md, serve.md,
 * exporter.md, galera.md), exit codes (README.md, galera.md) and JSON fields (docs/cli.md)
 * and hold them against the program: every documented option is accepted and shown by --help,
 * every option --help shows is documented, every exit code is the one the program uses, and
 * every field of a real JSON result is documented (and the reverse).
 */
import { describe, expect, it } from 'vitest';
import { HELP, SERVE_HELP, WATCH_HELP } from '../src/cli/help.js';
import { runMain } from './support/run-main.js';
import { CLUSTER_EXIT_CODES } from '../src/cluster/exit-codes.js';
import { EXIT_CODES } from '../src/probe/exit-codes.js';
import { probe } from '../src/index.js';
import { galeraNode, SYNCED_NODE } from './support/fake-server.js';
import { serverPool } from './support/server-pool.js';
import { docRows, readDoc } from './support/docs.js';

interface DocumentedOption {
  flag: string;
  takesValue: boolean;
}

/** `--flag` and `-f` tokens of an options table's first column, and whether an argument follows. */
function documentedOptions(file: string, heading: string): DocumentedOption[] {
  const found: DocumentedOption[] = [];
  for (const [first] of docRows(file, heading)) {
    const tokens = [...first!.matchAll(/`(--?[a-zA-Z][\w-]*)( [A-Za-z:|\\]+)?`/g)];
    // `-u`, `--user USER`: the short form takes the argument its long form shows.
    const takesValue = tokens.some((m) => m[2] !== undefined);
    for (const m of tokens) found.push({ flag: m[1]!, takesValue });
  }
  return found;
}

/** Long options a help text shows. */
function helpOptions(help: string): Set<string> {
  return new Set([...help.matchAll(/(?<![\w-])(--[a-z][\w-]*)/g)].map((m) => m[1]!));
}

const run = runMain;

describe('documented options', () => {
  const check = documentedOptions('docs/cli.md', '## Options');
  const serve = [
    ...documentedOptions('docs/serve.md', '# serve: the HTTP endpoint for load balancers'),
    ...documentedOptions('docs/serve.md', '## One writer: `serve --cluster`'),
    ...documentedOptions('docs/exporter.md', '# Prometheus exporter: /probe'),
  ];

  it('the tables were found', () => {
    expect(check.length).toBeGreaterThan(20);
    expect(serve.map((o) => o.flag)).toEqual([
      '--listen',
      '--cache',
      '--max-age',
      '--maintenance-file',
      '--log',
      '--cluster',
      '--writer-delay',
      '--allow-target',
      '--targets-file',
      '--timeout-offset',
      '--max-concurrent-probes',
      '--allow-host',
      '--web-config',
      '--web-config-all',
    ]);
  });

  it('every documented option of a check is accepted (with its argument) and shown by --help', async () => {
    for (const { flag, takesValue } of check) {
      const r = await run([flag, ...(takesValue ? ['x'] : []), '--help']);
      expect([flag, r.code, r.stderr]).toEqual([flag, 0, '']);
      if (flag.startsWith('--')) expect(HELP, flag).toContain(flag);
    }
  });

  it('every documented serve option is accepted and shown by serve --help', async () => {
    for (const { flag, takesValue } of serve) {
      const r = await run(['serve', flag, ...(takesValue ? ['1s'] : []), '--help']);
      expect([flag, r.code, r.stderr]).toEqual([flag, 0, '']);
      expect(SERVE_HELP, flag).toContain(flag);
    }
  });

  it('every option --help shows is documented', () => {
    const documented = new Set([...check, ...serve].map((o) => o.flag));
    expect([...helpOptions(HELP)].filter((f) => !documented.has(f))).toEqual([]);
    expect([...helpOptions(SERVE_HELP)].filter((f) => !documented.has(f))).toEqual([]);
  });

  const watch = documentedOptions('docs/galera.md', '## Watching: `galera-probe watch`');

  it('every documented watch option is accepted and shown by watch --help; every option it shows is documented', async () => {
    expect(watch.map((o) => o.flag)).toEqual(['--interval', '--color', '--no-tty', '--discover']);
    for (const { flag, takesValue } of watch) {
      const r = await run(['watch', flag, ...(takesValue ? ['1s'] : []), '--help']);
      expect([flag, r.code, r.stderr]).toEqual([flag, 0, '']);
      expect(WATCH_HELP, flag).toContain(flag);
    }
    const documented = new Set([...check, ...watch].map((o) => o.flag));
    expect([...helpOptions(WATCH_HELP)].filter((f) => !documented.has(f))).toEqual([]);
  });

  it('an option nobody documented is refused (the check above can fail)', async () => {
    const r = await run(['--colour', '--help']);
    expect(r.code).toBe(64);
  });
});

describe('documented exit codes', () => {
  it('each row is the code the program uses for that outcome, and every outcome has a row', () => {
    const table = docRows('README.md', '## Exit codes');
    const byOutcome = new Map(
      table
        .filter(([, outcome]) => outcome !== '')
        .map(([code, outcome]) => [outcome!.replace(/`/g, ''), Number(code)]),
    );
    for (const [outcome, code] of Object.entries(EXIT_CODES)) {
      // `aborted` is the library's (an AbortSignal), and documented in the Library section.
      if (outcome === 'aborted') continue;
      if (outcome === 'usage') {
        expect(table.find(([, o, meaning]) => o === '' && /^usage error/.test(meaning!))?.[0]).toBe(String(code));
        continue;
      }
      expect([outcome, byOutcome.get(outcome)]).toEqual([outcome, code]);
    }
    expect(byOutcome.size).toBe(Object.keys(EXIT_CODES).length - 2);
    expect(readDoc('docs/library.md')).toMatch(/outcome `aborted` \(a library-only outcome\)/);
  });
});

describe('documented cluster verdicts', () => {
  it('each row is the exit code `cluster` uses for that verdict, and every verdict has a row', () => {
    const table = docRows('docs/galera.md', '## The cluster: `galera-probe cluster`');
    const byVerdict = new Map(
      table.filter(([verdict]) => verdict !== '').map(([verdict, code]) => [verdict!.replace(/`/g, ''), Number(code)]),
    );
    const expected = Object.entries(CLUSTER_EXIT_CODES).filter(([v]) => v !== 'usage');
    expect(Object.fromEntries(byVerdict)).toEqual(Object.fromEntries(expected));
    expect(table.find(([verdict, , when]) => verdict === '' && /^usage error/.test(when!))?.[1]).toBe(
      String(CLUSTER_EXIT_CODES.usage),
    );
  });
});

describe('documented JSON fields', () => {
  const serve = serverPool();
  const documented = new Map(
    docRows('docs/cli.md', '## JSON output').map(([field, content]) => [field!.replace(/`/g, ''), content!]),
  );
  // The result's own names are camelCase; snake_case ones in the text are the server's variables.
  const nodeFields = new Set([...documented.get('node')!.matchAll(/`([a-z][a-zA-Z]*)`/g)].map((m) => m[1]!));

  it('every field of real results is documented, and every documented field occurs', async () => {
    const healthy = await serve(galeraNode(SYNCED_NODE));
    const ok = await probe({ host: healthy.host, port: healthy.port, user: 'probe' });
    const closed = await serve(() => {});
    const target = { host: closed.host, port: closed.port };
    await closed.close();
    const refused = await probe({ ...target, user: 'probe' });
    expect([ok.outcome, refused.outcome]).toEqual(['healthy', 'unreachable']);

    const seen = new Set([...Object.keys(ok), ...Object.keys(refused)]);
    expect([...seen].filter((k) => !documented.has(k))).toEqual([]);
    expect([...documented.keys()].filter((k) => !seen.has(k))).toEqual([]);
    // maintMode is documented as present only where pxc_maint_mode exists: the fake node has none;
    // membersUnavailable only where the members SELECT fails, and it does not on this node.
    expect(Object.keys(ok.node ?? {}).filter((k) => !nodeFields.has(k))).toEqual([]);
    const sometimes = ['maintMode', 'membersUnavailable', 'uuid', 'name', 'address'];
    expect([...nodeFields].filter((k) => !sometimes.includes(k) && !(k in (ok.node ?? {})))).toEqual([]);
    expect(Object.keys(ok.node?.members?.[0] ?? {})).toEqual(['uuid', 'name', 'address']);
    expect(Object.keys(ok.timings).every((k) => documented.get('timings')!.includes(`\`${k}\``))).toBe(true);
    expect(Object.keys(refused.error ?? {}).every((k) => documented.get('error')!.includes(`\`${k}\``))).toBe(true);
  });
});
