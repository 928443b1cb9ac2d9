export const HELP = `Usage: galera-probe [options] <target>
       galera-probe cluster|watch [options] <target>...
       galera-probe serve [options] <target>
       (cluster, watch and serve: see their own --help)

Says within a deadline whether a MySQL/MariaDB (Galera) node should get traffic.
<target>: host:port, host (port 3306), [ipv6]:port, or a unix socket path.

  -u, --user USER            user (password: MYSQL_PWD, an option file,
      --password-file FILE     or --password, which others can see)
      --timeout DUR          overall deadline (default 2s); DUR: 500ms, 2s, 3
      --connect-timeout DUR  per-phase limits, within the overall deadline:
      --tls-timeout DUR        connect, tls, greeting, auth, query
      --greeting-timeout DUR
      --auth-timeout DUR
      --query-timeout DUR
      --check galera|alive   Galera verdict (default), or log in and ping
      --available-when-donor a Donor/Desynced node counts as healthy
      --require-writable     read_only=ON counts as unhealthy
      --expect-size N        N nodes in all: a minority component is unhealthy
      --max-recv-queue N     wsrep_local_recv_queue above N is unhealthy
      --ssl-mode MODE        DISABLED, PREFERRED (default), REQUIRED,
                             VERIFY_CA, VERIFY_IDENTITY
      --ssl-ca/--ssl-cert/--ssl-key FILE, --server-public-key FILE
      --get-server-public-key trust an unverified server with the password
      --defaults-file FILE, --defaults-extra-file FILE, --no-defaults
      --json                 print one JSON object
  -q, --quiet                print nothing; the exit code says it all
  -v, --verbose              trace phases on stderr
  -h, --help, -V, --version

Exit: 0 healthy, 1 unhealthy, 2 unreachable, 3 timeout, 4 access denied,
      5 protocol error, 6 server error, 10 certificate mismatch,
      64 usage error.
`;

export const SERVE_HELP = `Usage: galera-probe serve [options] <target>     (its own node's endpoints)
       galera-probe serve --allow-target PATTERN | --targets-file FILE [...]
HTTP for load balancers and Prometheus; one probe in flight per target.

GET /, /health, /ready  200 healthy, 503 + the reason   GET /live  liveness
GET /metrics  Prometheus   GET /status  a page   ?format=json (or Accept): JSON
GET /writer, /cluster   (--cluster) 200 on the elected writer only; the view
GET /probe?target=HOST:PORT[&auth_module=NAME], /targets   (the exporter)

  --listen ADDR:PORT        default 0.0.0.0:9200; also [IPV6]:PORT or PORT
  --cache DUR               reuse a result this long (default 1s; 0: never)
  --max-age DUR             serve the last result while a new probe runs, if
                            younger than this (default twice --cache)
  --maintenance-file PATH   while PATH exists: 503 maintenance, no probing
  --log text|json|off       verdict changes on stderr (default text)
  --cluster H:P,H:P,...     the whole cluster, same order on every node:
                            /writer, /cluster; /health refuses a split
                            brain's minority side
  --writer-delay DUR        a new writer waits this long (LB interval x fall)
  --allow-target PATTERN    exporter: host glob or CIDR with ports, e.g.
                            '*.db.example:3306', 10.0.0.0/8:3306-3309
  --targets-file FILE       exporter: TARGET [NAME] [label=value...] per
                            line; re-read on SIGHUP
  --timeout-offset DUR      off X-Prometheus-Scrape-Timeout-Seconds (500ms)
  --max-concurrent-probes N probes running at once (default 64)
  --allow-host NAME         exporter: a Host name it answers to besides this
                            machine's and --listen's (IP literals always)
  --web-config FILE         TLS, basic auth (exporter paths, /cluster, /status)
  --web-config-all          ... and on the load-balancer paths too
Probe options as for one check (galera-probe --help): -u, --timeout, --ssl-mode,
--expect-size, ... Password: MYSQL_PWD, --password-file, an option file.
Stops on SIGTERM/SIGINT (exit 0); exit 64 usage error, 69 cannot listen.
`;

export const CLUSTER_HELP = `Usage: galera-probe cluster [options] <target>...

Probes every target at once, within one deadline, and judges the cluster:
one history, one Primary component, one writer.
<target>: as for one node, in writer-preference order (the same list on
every observer gives the same writer).

      --discover         also probe the addresses the nodes publish in
                         wsrep_incoming_addresses
      --expect-size N    the cluster's full size: a Primary component of
                         fewer than N/2+1 members does not count as Primary
      --json             print one JSON object
  -q, --quiet            print nothing; the exit code says it all

Probe options as for one node (galera-probe --help): -u, --timeout,
--ssl-mode, --require-writable, --max-recv-queue, ...

Writer: the first target, in the order given, that is healthy, writable
(read_only OFF) and in the Primary component (the majority's in a split
brain; none without a Primary component).
Exit: 0 healthy, 1 degraded, 2 unreachable (no target answered),
      8 split-brain, 9 no-primary, 64 usage error.
`;

export const WATCH_HELP = `Usage: galera-probe watch [options] <target>...

The cluster, looked at every --interval: one row per node (verdict,
Primary, state, component, size, receive queue and its trend, last
committed and its lag, probe time), the cluster verdict and the writer,
and what changed. On a terminal it redraws in place (q or Ctrl-C quits);
otherwise, or with --no-tty, one line per change, for a log.
<target>: as for cluster (galera-probe cluster --help).

      --interval DUR       how often to look (default 1s; 100ms to 1h)
      --color auto|always|never  colours (auto: on a terminal, unless
                           NO_COLOR is set)
      --no-tty             one line per change even on a terminal
      --discover           also probe the addresses the nodes publish
      --expect-size N      the cluster's full size (as for cluster)

Probe options as for one node (galera-probe --help): -u, --timeout,
--ssl-mode, --require-writable, --max-recv-queue, ...
Exit: 0 after q, Ctrl-C, SIGINT or SIGTERM; 64 usage error.
`;
