// The floor for `serve` under continuous probing: a Node.js HTTP server whose /health runs bench/floor.cjs's check
// (raw sockets, TLS when offered) on each request, with serve's one V8 setting (its young generation kept at its
// initial size, src/cli/heap.ts). Takes serve's command line as bench:serve-memory gives it (--launcher LABEL=this)
// and logs its address as serve does. What its RSS holds is Node.js, an HTTP server, TLS and a probe's garbage.
'use strict';
require('node:v8').setFlagsFromString('--semi-space-growth-factor=1');
const { createServer } = require('node:http');
const { check } = require('./floor.cjs');
const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf(name) + 1];
const [host, port] = args.at(-1).split(':');
// The probe's three statements as src/probe/verdict.ts builds them, copied: import() of dist/ would start Node's
// ESM loader, which serve does not (bench:cli and bench:library pass floor.cjs the live ones).
const SQLS = [
  "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_local_state','wsrep_local_state_comment','wsrep_ready','wsrep_connected','wsrep_cluster_size','wsrep_local_recv_queue','wsrep_cluster_state_uuid','wsrep_cluster_conf_id','wsrep_gcomm_uuid','wsrep_local_index','wsrep_last_committed','wsrep_incoming_addresses','wsrep_flow_control_paused_ns','wsrep_flow_control_paused','wsrep_local_send_queue')",
  "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_on','wsrep_desync','wsrep_reject_queries','wsrep_sst_donor_rejects_queries','read_only','pxc_maint_mode','wsrep_node_name')",
  'SELECT node_uuid, node_name, node_incoming_address FROM mysql.wsrep_cluster_members',
];
const options = { host, port: Number(port), user: arg('-u'), password: process.env.MYSQL_PWD ?? '', tls: arg('--ssl-mode') !== 'DISABLED', sqls: SQLS };
const server = createServer((req, res) => {
  check(options).then(
    (r) => res.writeHead(r.healthy ? 200 : 503).end(r.healthy ? 'healthy\n' : 'unhealthy\n'),
    (err) => res.writeHead(503).end(`${err.message}\n`),
  );
});
server.listen(0, '127.0.0.1', () => process.stderr.write(`${JSON.stringify({ event: 'listening', address: `127.0.0.1:${server.address().port}` })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
