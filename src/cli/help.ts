export const HELP = `Usage: galera-probe [options] <target>
       galera-probe cluster [options] <target>...   (see cluster --help)
       galera-probe serve [--listen ADDR:PORT] [options] <target>

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
      --expect-size N        a Primary component of fewer than N/2+1 nodes
                             counts as unhealthy (minority component)
      --max-recv-queue N     wsrep_local_recv_queue above N is unhealthy
      --ssl-mode MODE        DISABLED, PREFERRED (default), REQUIRED,
                             VERIFY_CA, VERIFY_IDENTITY
      --ssl-ca/--ssl-cert/--ssl-key FILE, --server-public-key FILE
      --defaults-file FILE, --defaults-extra-file FILE, --no-defaults
      --json                 print one JSON object
  -q, --quiet                print nothing; the exit code says it all
  -v, --verbose              trace phases on stderr
  -h, --help, -V, --version

serve: --listen ADDR:PORT (0.0.0.0:9200), --cache DUR (1s), --max-age DUR,
       --maintenance-file PATH, --log text|json|off

Exit: 0 healthy, 1 unhealthy, 2 unreachable, 3 timeout, 4 access denied,
      5 protocol error, 6 server error, 64 usage error.
`;

export const SERVE_HELP = `Usage: galera-probe serve [--listen ADDR:PORT] [probe options] <target>
       galera-probe serve --allow-target PATTERN | --targets-file FILE [...]

An HTTP health endpoint for load balancers (HAProxy httpchk, Kubernetes,
Azure Load Balancer). One probe at a time, shared by all requests.

  GET /, /health, /ready  200 healthy, 503 otherwise; one line: the reason
  GET /live               200 while reachable and in a Primary component
  GET /metrics            Prometheus text format
  ?format=json or Accept: application/json: the probe's JSON result
  GET /probe?target=HOST:PORT[&auth_module=NAME]  (exporter) probe an
                          allowed target, answer its Prometheus gauges
  GET /targets            (exporter) the targets file, Prometheus HTTP SD

      --listen ADDR:PORT      where to listen (default 0.0.0.0:9200);
                              also [IPV6]:PORT or PORT
      --cache DUR             reuse a result this long (default 1s; 0: never)
      --max-age DUR           while a new probe runs, other requests get the
                              last result if younger (default twice --cache)
      --maintenance-file PATH while PATH exists: 503 "maintenance", and the
                              database is not touched
      --log text|json|off     verdict changes on stderr (default text)

One writer (every node given the same list, in writer-preference order):
      --cluster H:P,H:P,...   probe the whole cluster too: GET /writer (200
                              on the elected writer only), GET /cluster; and
                              /health refuses the losing side of a split brain
      --writer-delay DUR      a new writer answers 503 "becoming writer" this
                              long (default 0): load balancer interval x fall

Exporter (without <target>: the exporter only):
      --allow-target PATTERN  probe targets matching a host glob or CIDR with
                              ports: '*.db.example:3306', 10.0.0.0/8:3306-3309,
                              [fd00::/8]:*; repeatable
      --targets-file FILE     probe these (TARGET [NAME] [label=value...] per
                              line); re-read on SIGHUP
      --timeout-offset DUR    taken off X-Prometheus-Scrape-Timeout-Seconds
                              (default 500ms); never more than --timeout
      --max-concurrent-probes N  probes running at once (default 64)
      --web-config FILE       TLS and basic auth (exporter-toolkit's format);
                              auth guards /probe, /metrics, /targets, /cluster
      --web-config-all        ... and the load-balancer paths too

Probe options as for a single check (galera-probe --help): -u, --timeout,
--check, --ssl-mode, --available-when-donor, --require-writable, ...
The password: MYSQL_PWD, --password-file, or an option file.

Stops on SIGTERM or SIGINT (exit 0); exit 64: usage error, 69: cannot listen.
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
