// The alternative of benchmark 3 (bench/serve-load.ts): a clustercheck-style responder, as
// commonly deployed behind xinetd or a small HTTP wrapper, that runs the mariadb client for
// every HTTP request and answers 200 when wsrep_local_state is 4 (Synced), 503 otherwise.
//   node bench/clustercheck-peer.mjs HOST PORT USER   (password: MYSQL_PWD)
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';

const [host, port, user] = process.argv.slice(2);
const server = createServer((req, res) => {
  execFile(
    'mariadb',
    ['--no-defaults', '--protocol=TCP', '-h', host, '-P', port, '-u', user, '-N', '-B', '--connect-timeout=2', '-e', "SHOW GLOBAL STATUS LIKE 'wsrep_local_state'"],
    { timeout: 5000 },
    (err, stdout) => {
      const synced = !err && stdout.trim().split('\t')[1] === '4';
      const body = synced ? 'Galera node is synced.\n' : 'Galera node is not synced.\n';
      res.writeHead(synced ? 200 : 503, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    },
  );
});
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
