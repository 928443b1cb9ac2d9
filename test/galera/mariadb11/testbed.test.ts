/**
 * The 11.8 test bed is what it claims to be: Debian 13's MariaDB 11.8 with Galera 4 (galera-4 26.4.x) on
 * every node, TLS from the project's CA on the nodes while a server left to itself makes up a
 * certificate of its own, and the accounts the suite logs in with (parsec, ed25519) really there.
 * Runs only against `GP_MARIADB=11.8 scripts/galera-cluster.sh start` (vitest.galera.config.ts).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, show, sql, waitAllSynced } from '../support/cluster.js';
import { parsecUser, rootClient, type Standalone, startStandalone } from '../support/mariadb11.js';

/** The leaf certificate a MySQL server presents after an SSLRequest (openssl s_client -starttls mysql). */
function presentedCertificate(port: number): X509Certificate {
  const out = execFileSync('openssl', ['s_client', '-starttls', 'mysql', '-connect', `127.0.0.1:${port}`], {
    encoding: 'utf8',
    input: '',
    timeout: 15_000,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out);
  if (!pem) throw new Error(`no certificate in the TLS handshake on port ${port}:\n${out}`);
  return new X509Certificate(pem[0]);
}

beforeAll(async () => {
  await waitAllSynced();
});

describe('the servers', () => {
  it("every node is MariaDB 11.8 with Debian's galera-4 26.4.x (it reports 4.x), Primary and Synced", () => {
    for (const { n } of cluster().nodes) {
      const [[version]] = sql(n, 'SELECT VERSION()') as [[string]];
      expect(version).toMatch(/^11\.8\.\d+-MariaDB/);
      const status = show(n, 'STATUS', [
        'wsrep_provider_name',
        'wsrep_provider_version',
        'wsrep_local_state_comment',
        'wsrep_cluster_size',
      ]);
      expect(status).toMatchObject({
        wsrep_provider_name: 'Galera',
        wsrep_local_state_comment: 'Synced',
        wsrep_cluster_size: '3',
      });
      // Debian's galera-4 26.4.x calls itself 4.x here ("4.23(rXXXX)" for 26.4.23): 26 is the wsrep API.
      expect(status['wsrep_provider_version']).toMatch(/^(26\.)?4\.\d+\b/);
      expect(show(n, 'VARIABLES', ['wsrep_patch_version'])['wsrep_patch_version']).toMatch(/^wsrep_26\.\d+$/);
    }
  });

  it('the nodes present the certificate signed by the cluster CA, not one they made up', () => {
    const ca = new X509Certificate(readFileSync(cluster().tls.ca));
    for (const { port } of cluster().nodes) {
      const cert = presentedCertificate(port);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.subject).toContain('CN=localhost');
    }
  });
});

describe('a standalone 11.8 server with no option file at all', () => {
  let server: Standalone | undefined;
  beforeAll(async () => {
    server = await startStandalone('standalone-no-tls-config');
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('has TLS on, with a self-signed certificate it made itself (ssl_cert empty)', () => {
    if (!server) throw new Error('standalone server not started');
    const vars = rootClient([
      `--socket=${server.socket}`,
      '-uroot',
      '-e',
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('have_ssl','ssl_cert','ssl_ca')",
    ]);
    expect(vars.code, vars.stderr).toBe(0);
    const map = Object.fromEntries(
      vars.stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split('\t')),
    );
    expect(map).toEqual({ have_ssl: 'YES', ssl_cert: '', ssl_ca: '' });
    const cert = presentedCertificate(server.port);
    expect(cert.subject).toBe(cert.issuer);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkIssued(new X509Certificate(readFileSync(cluster().tls.ca)))).toBe(false);
  });
});

describe('the accounts', () => {
  it('the parsec account exists on every node (replicated) and logs in with the 11.8 client, over TLS, on each', () => {
    const { user, password } = parsecUser();
    const { host } = cluster();
    for (const { n, port } of cluster().nodes) {
      const [[plugin]] = sql(
        n,
        `SELECT JSON_VALUE(Priv, '$.plugin') FROM mysql.global_priv WHERE User = '${user}' AND Host = '%'`,
      ) as [[string]];
      expect(plugin).toBe('parsec');
      const run = rootClient(
        [
          '--protocol=TCP',
          '-h',
          host,
          '-P',
          String(port),
          '-u',
          user,
          '-e',
          "SELECT CURRENT_USER(), (SELECT COUNT(*) FROM mysql.wsrep_cluster_members), (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_VERSION')",
        ],
        password,
      );
      expect(run.code, run.stderr).toBe(0);
      const [me, members, tls] = run.stdout.trim().split('\t');
      expect(me).toBe(`${user}@%`);
      expect(members).toBe('3');
      expect(tls).toMatch(/^TLSv1\.[23]$/);
    }
  });

  it('a wrong parsec password is refused with 1045', () => {
    const { user } = parsecUser();
    const run = rootClient(
      ['--protocol=TCP', '-h', cluster().host, '-P', String(cluster().nodes[0]!.port), '-u', user, '-e', 'SELECT 1'],
      'parsec-pw-wrong',
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/ERROR 1045 .*Access denied for user 'gp_parsec'/);
  });

  it("the host's 10.11 client cannot log in as parsec (it has no parsec plugin): the 11.8 client is the referee", () => {
    const { user, password } = parsecUser();
    let failure = '';
    try {
      execFileSync(
        'mariadb',
        [
          '--no-defaults',
          '--protocol=TCP',
          '-h',
          cluster().host,
          '-P',
          String(cluster().nodes[0]!.port),
          '-u',
          user,
          '-e',
          'SELECT 1',
        ],
        {
          env: { ...process.env, MYSQL_PWD: password },
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 15_000,
        },
      );
    } catch (err) {
      failure = String((err as { stderr?: Buffer }).stderr ?? err);
    }
    expect(failure).toMatch(/parsec/);
  });

  it('ed25519 is loaded on every node and its account logs in', () => {
    const { user, password } = cluster().user.ed;
    for (const { n, port } of cluster().nodes) {
      expect(sql(n, "SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'")).toEqual([
        ['ACTIVE'],
      ]);
      const run = rootClient(
        ['--protocol=TCP', '-h', cluster().host, '-P', String(port), '-u', user, '-e', 'SELECT CURRENT_USER()'],
        password,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe(`${user}@%`);
    }
  });
});
