import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import { now } from '../util/clock.js';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { parseRsaPublicKey } from '../protocol/auth/caching-sha2.js';
import { sha256 } from '../protocol/auth/digest.js';
import { serverProofMatches } from '../protocol/auth/proof.js';
import { PacketChannel } from '../protocol/channel.js';
import {
  authenticate,
  ping,
  quitPacket,
  readGreeting,
  settledQueries,
  type Session,
  type TextResult,
} from '../protocol/connection.js';
import { Capability } from '../protocol/constants.js';
import { buildSslRequest, clientCapabilities, type Greeting } from '../protocol/handshake.js';
import { ProtocolError, ServerError } from '../protocol/errors.js';
import { printable } from '../protocol/text.js';
import { PROGRAM, VERSION } from '../version.js';
import { ipVersion } from './address.js';
import { AbortedError, CertificateMismatchError, classify, PhaseTimeoutError, TlsError } from './failures.js';
import { normalizeOptions, type NormalizedOptions, type PemSource, type ProbeOptions } from './options.js';
import {
  forgetSession,
  isVerifying,
  saveSession,
  savedSession,
  savedSessionCertificate,
  secureContextFor,
  sessionKey,
  type TlsFiles,
} from './tls-context.js';
import type { Member, NodeInfo, Phase, ProbeEvent, ProbeResult, ServerVerification, Timings } from './types.js';
import {
  copyFields,
  galeraVerdict,
  MAX_MEMBERS,
  MEMBERS_SQL,
  STATUS_SQL,
  toMap,
  VARIABLES_SQL,
  type Verdict,
} from './verdict.js';

/** What the login tells the server about this client (the same for every probe of the process). */
const CONNECT_ATTRS: ReadonlyArray<readonly [string, string]> = Object.freeze(
  (
    [
      ['_client_name', PROGRAM],
      ['_client_version', VERSION],
      ['program_name', PROGRAM],
      ['_pid', String(process.pid)],
      ['_os', process.platform],
    ] as const
  ).map((pair) => Object.freeze(pair)),
);

/** The statements of a Galera check, in one pipeline. */
const GALERA_SQLS: readonly string[] = Object.freeze([STATUS_SQL, VARIABLES_SQL, MEMBERS_SQL]);

/** How long a polite close may wait for the server to hang up after COM_QUIT, at most. */
const QUIT_GRACE_MS = 500;

/**
 * Probes one node. Resolves with a result for every server-side outcome,
 * including timeouts and aborts; rejects only when the options are invalid.
 */
export async function probe(options: ProbeOptions): Promise<ProbeResult> {
  const opts = normalizeOptions(options, defaultUser);
  const tls = loadTlsMaterial(opts);
  return new ProbeRun(opts, tls).run();
}

function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? '';
  }
}

interface TlsMaterial extends TlsFiles {
  /** Parsed once, here: a file that holds no RSA public key is an invalid option. */
  serverPublicKey?: KeyObject;
}

/** Reads PEM files up front: an unreadable file is an invalid option, not a probe failure. */
function loadTlsMaterial(opts: NormalizedOptions): TlsMaterial {
  const read = (name: string, source: PemSource | undefined): Buffer | undefined => {
    if (source === undefined || Buffer.isBuffer(source)) return source;
    try {
      return readFileSync(source);
    } catch (err) {
      throw new TypeError(
        `galera-probe: option ${name}: cannot read ${source} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  const material: TlsMaterial = {};
  const ca = read('sslCa', opts.sslCa);
  const cert = read('sslCert', opts.sslCert);
  const key = read('sslKey', opts.sslKey);
  const serverPublicKey = read('serverPublicKey', opts.serverPublicKey);
  if (ca) material.ca = ca;
  if (cert) material.cert = cert;
  if (key) material.key = key;
  if (serverPublicKey) {
    const parsed = parseRsaPublicKey(serverPublicKey);
    if (parsed === undefined) throw new TypeError('galera-probe: option serverPublicKey: not a PEM RSA public key');
    material.serverPublicKey = parsed;
  }
  return material;
}

/** What the TLS phase established, for the auth phase to finish. */
interface TlsOutcome {
  /** A CA verified the certificate (and, in VERIFY_IDENTITY, the name). */
  readonly verifiedByCa: boolean;
  /** VERIFY_CA/VERIFY_IDENTITY without --ssl-ca and no CA verified it: the server must prove itself after the login. */
  readonly mustVerify: boolean;
  /** Node's verification error, for the reason. */
  readonly unverifiedBecause: string;
  /** The server proved itself: keep the TLS session for the next probe. */
  readonly approve: () => void;
  /** SHA-256 of the server's certificate (DER), or undefined when neither the handshake nor a saved session has it. */
  readonly certificate: () => Buffer | undefined;
  /** Drops the slot's session (after a mismatch: the next probe makes a full handshake). */
  readonly forget: () => void;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * One probe from start to teardown. It owns time: one timer, armed when a
 * phase starts at the earlier of the phase's limit and the overall deadline
 * (kept as it is when the timer already ends then, as with the default limits,
 * where every phase ends at the deadline), cleared before the polite close.
 * Between two phases only promise reactions run, so no timer can fire there.
 * Every exit goes through `run`'s finally.
 */
class ProbeRun {
  readonly #opts: NormalizedOptions;
  readonly #tlsMaterial: TlsMaterial;
  readonly #start = now();
  readonly #deadline: number;
  readonly #timings: Partial<Record<Phase, number>> = {};
  #phase: Phase = 'connect';
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer ends (a now() reading), and the error it stops the current phase with. */
  #timerAt = 0;
  #timeoutReason: () => Error = () => new Error('timeout');
  /** Rejected by #stop (a timeout, an abort): every phase races it. One for the whole run. */
  readonly #interrupted: Promise<never>;
  #interrupt: (reason: Error) => void = noop;
  #stopped: Error | undefined;
  #socket: Socket | undefined;
  #tlsSocket: TLSSocket | undefined;
  #channel: PacketChannel | undefined;
  #node: NodeInfo | undefined;
  /** Said on the current phase's `end` event (--verbose), then cleared. */
  #phaseDetail: string | undefined;

  constructor(opts: NormalizedOptions, tlsMaterial: TlsMaterial) {
    this.#opts = opts;
    this.#tlsMaterial = tlsMaterial;
    this.#deadline = this.#start + opts.timeout;
    this.#interrupted = new Promise<never>((_, reject) => {
      this.#interrupt = reject;
    });
    this.#interrupted.catch(noop);
  }

  async run(): Promise<ProbeResult> {
    const signal = this.#opts.signal;
    const onAbort = (): void => this.#stop(new AbortedError());
    if (signal?.aborted) return this.#failed(new AbortedError());
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const verdict = await this.#probe();
      await this.#quit();
      return this.#answered(verdict);
    } catch (err) {
      return this.#failed(this.#stopped ?? err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#clearTimer();
      this.#destroy();
    }
  }

  async #probe(): Promise<Verdict> {
    const channel = await this.#inPhase('connect', () => this.#connect());
    const greeting = await this.#inPhase('greeting', () => readGreeting(channel));
    // MariaDB prefixes its version with 5.5.5- for the sake of old clients.
    this.#node = {
      version: printable(
        greeting.serverVersion.startsWith('5.5.5-') ? greeting.serverVersion.slice(6) : greeting.serverVersion,
        100,
      ),
      connectionId: greeting.connectionId,
    };
    const tls = await this.#maybeTls(greeting, channel);
    const secure = tls !== undefined;
    const socket = this.#opts.socketPath !== undefined;
    const session = await this.#inPhase('auth', async () => {
      const done = await authenticate(channel, greeting, {
        user: this.#opts.user,
        password: Buffer.from(this.#opts.password, 'utf8'),
        encrypted: secure || socket,
        // The password itself goes only where nobody else can read it and a verified server waits.
        passwordAllowed:
          socket ||
          tls?.verifiedByCa === true ||
          (secure && this.#opts.getServerPublicKey && !isVerifying(this.#opts.sslMode)),
        serverPublicKey: this.#tlsMaterial.serverPublicKey,
        getServerPublicKey: this.#opts.getServerPublicKey,
        ssl: secure,
        connectAttrs: CONNECT_ATTRS,
      });
      const verification = this.#verifyServer(tls, done, greeting.nonce);
      this.#node!.serverVerification = verification;
      this.#phaseDetail = `server verified: ${verification}`;
      return done;
    });
    this.#node.authPlugin = session.authPlugin;
    this.#node.tls = secure;
    return this.#inPhase('query', () => this.#check(channel, session));
  }

  /**
   * How the server proved itself. TLS that a CA verified: `ca`. Otherwise MariaDB 11.4+'s
   * proof, when the server sent one and the plugin can check it: `fingerprint` when it matches
   * the certificate seen here, a CertificateMismatchError when not. No proof: `none`, except
   * in VERIFY_CA/VERIFY_IDENTITY without --ssl-ca, where an unverified server is refused.
   */
  #verifyServer(tls: TlsOutcome | undefined, session: Session, scramble: Buffer): ServerVerification {
    if (tls === undefined) return 'none';
    if (tls.verifiedByCa) return 'ca';
    const hash = session.serverProof !== undefined ? session.proofHash() : undefined;
    if (session.serverProof !== undefined && hash !== undefined) {
      const certificate = tls.certificate();
      if (certificate === undefined || !serverProofMatches(session.serverProof, hash, scramble, certificate)) {
        tls.forget();
        throw new CertificateMismatchError();
      }
      tls.approve();
      return 'fingerprint';
    }
    if (tls.mustVerify) {
      throw new TlsError(
        `--ssl-mode ${this.#opts.sslMode}: no CA verified the certificate (${printable(tls.unverifiedBecause, 60)}) and the server sent no proof of it after the login; give the CA with --ssl-ca`,
        'TLS_UNVERIFIED',
      );
    }
    return 'none';
  }

  async #check(channel: PacketChannel, session: Session): Promise<Verdict> {
    if (this.#opts.check === 'alive') {
      await ping(channel);
      return { healthy: true, reason: 'alive', fields: {} };
    }
    try {
      // All three statements in one write; the answers come back in order. The members
      // SELECT may fail (non-Primary, no table, no privilege) without failing the probe.
      const [status, variables, members] = (await settledQueries(channel, session, GALERA_SQLS)) as [
        TextResult | ServerError,
        TextResult | ServerError,
        TextResult | ServerError,
      ];
      if (status instanceof ServerError) throw status;
      if (variables instanceof ServerError) throw variables;
      const verdict = galeraVerdict(toMap(status.rows, cleanValue), toMap(variables.rows, cleanValue), this.#opts);
      if (verdict.fields.localState !== undefined && verdict.fields.wsrepOn !== false) {
        if (members instanceof ServerError)
          verdict.fields.membersUnavailable = `${members.errno} ${printable(members.serverMessage, 100)}`;
        else verdict.fields.members = memberList(members);
      }
      return verdict;
    } catch (err) {
      // 1047 (ER_UNKNOWN_COM_ERROR): Galera refusing statements on a node that is not ready.
      if (err instanceof ServerError && err.errno === 1047) {
        return { healthy: false, reason: `not ready: ${printable(err.serverMessage)}`, fields: {} };
      }
      throw err;
    }
  }

  /** Resolves with the channel, created as soon as the socket connects so no event falls between. */
  #connect(): Promise<PacketChannel> {
    return new Promise<PacketChannel>((resolve, reject) => {
      const { socketPath, host, port } = this.#opts;
      const socket =
        socketPath !== undefined ? netConnect({ path: socketPath }) : netConnect({ host, port, noDelay: true });
      this.#socket = socket;
      const done = (err?: Error): void => {
        socket.off('connect', onConnect);
        socket.off('error', done);
        if (err) {
          reject(err);
          return;
        }
        this.#channel = new PacketChannel(socket, this.#opts.maxPacketSize);
        resolve(this.#channel);
      };
      const onConnect = (): void => done();
      socket.once('connect', onConnect);
      socket.once('error', done);
    });
  }

  /** TLS as the ssl mode says; resolves with how it went, or undefined when the connection stays plain. */
  async #maybeTls(greeting: Greeting, channel: PacketChannel): Promise<TlsOutcome | undefined> {
    const mode = this.#opts.sslMode;
    if (mode === 'DISABLED') return undefined;
    // Like the mysql client, PREFERRED does not bother with TLS over a local unix socket.
    if (mode === 'PREFERRED' && this.#opts.socketPath !== undefined) return undefined;
    if (!(greeting.capabilities & Capability.SSL)) {
      if (mode === 'PREFERRED') return undefined;
      await this.#inPhase('tls', () =>
        Promise.reject(new TlsError(`--ssl-mode ${mode}, but the server does not offer TLS`, 'TLS_UNAVAILABLE')),
      );
    }
    return this.#inPhase('tls', () => this.#startTls(greeting, channel));
  }

  #startTls(greeting: Greeting, channel: PacketChannel): Promise<TlsOutcome> {
    const mode = this.#opts.sslMode;
    const capabilities = clientCapabilities(greeting.capabilities, { ssl: true, connectAttrs: true });
    channel.write(buildSslRequest(capabilities, channel.takeSequenceId()));
    channel.detach();
    const host = this.#opts.socketPath !== undefined ? 'localhost' : this.#opts.host;
    const servername = ipVersion(host) === 0 ? host : undefined;
    const verify = isVerifying(mode);
    // VERIFY_* without --ssl-ca: a certificate no CA in the default store vouches for may
    // still be proved by the server after the login (MariaDB 11.4+), so the handshake goes on
    // and the verdict waits for the auth phase. With --ssl-ca, the handshake decides.
    const deferred = verify && this.#tlsMaterial.ca === undefined;
    return new Promise<TlsOutcome>((resolve, reject) => {
      // Inside the promise: material the context refuses (a key that is not PEM) is this phase's failure.
      const { context, key } = secureContextFor(mode, this.#tlsMaterial);
      const slot = sessionKey(mode, key, this.#opts.socketPath ?? `${host}:${this.#opts.port}`, servername);
      const session = savedSession(slot);
      const resumedCertificate = session ? savedSessionCertificate(slot) : undefined;
      // Named properties, not conditional spreads: each spread copies the object built so far.
      const connectOptions: ConnectionOptions = {
        socket: this.#socket!,
        host,
        secureContext: context,
        rejectUnauthorized: verify && !deferred,
      };
      if (servername !== undefined) connectOptions.servername = servername;
      if (session) connectOptions.session = session;
      if (mode !== 'VERIFY_IDENTITY') connectOptions.checkServerIdentity = noIdentityCheck;
      const secure = tlsConnect(connectOptions);
      this.#tlsSocket = secure;
      const { certificate, approve } = trackSession(secure, slot, resumedCertificate);
      const outcome = (verifiedByCa: boolean, mustVerify: boolean, unverifiedBecause: string): TlsOutcome => ({
        verifiedByCa,
        mustVerify,
        unverifiedBecause,
        approve,
        certificate,
        forget: () => forgetSession(slot),
      });
      const done = (err?: Error): void => {
        secure.off('secureConnect', onSecure);
        secure.off('error', done);
        if (err) {
          forgetSession(slot);
          const code = (err as NodeJS.ErrnoException).code ?? 'TLS_ERROR';
          reject(
            code.startsWith('E') && code !== 'ERR_TLS_CERT_ALTNAME_INVALID'
              ? err
              : new TlsError(`TLS certificate verification failed: ${err.message}`, code),
          );
          return;
        }
        channel.replaceStream(secure);
        if (verify && secure.authorized) {
          approve();
          resolve(outcome(true, false, ''));
          return;
        }
        if (!deferred) approve();
        const because = secure.authorizationError;
        resolve(
          outcome(false, deferred, because instanceof Error ? because.message : String(because ?? 'not verified')),
        );
      };
      const onSecure = (): void => done();
      secure.once('secureConnect', onSecure);
      secure.once('error', done);
    });
  }

  /** Runs one phase under its timer; an interruption (timeout, abort) wins the race at once. */
  async #inPhase<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    if (this.#stopped) throw this.#stopped;
    this.#phase = phase;
    const phaseStart = now();
    this.#emit(phase, 'start');
    const limit = this.#opts.limits[phase];
    const overall = this.#deadline - phaseStart < limit;
    const ends = overall ? this.#deadline : phaseStart + limit;
    this.#arm(ends, () => new PhaseTimeoutError(phase, round(overall ? this.#opts.timeout : limit), overall));
    const working = work();
    // Whichever loses the race must not become an unhandled rejection.
    working.catch(noop);
    try {
      const value = await Promise.race([working, this.#interrupted]);
      this.#emit(phase, 'end', this.#phaseDetail);
      return value;
    } catch (err) {
      this.#emit(
        phase,
        'fail',
        (this.#stopped as Error | undefined)?.message ?? (err instanceof Error ? err.message : undefined),
      );
      throw err;
    } finally {
      this.#phaseDetail = undefined;
      this.#timings[phase] = round(now() - phaseStart);
    }
  }

  /** Arms the single timer for `at` (a now() reading); never fires early. One already armed for `at` is kept. */
  #arm(at: number, reason: () => Error): void {
    this.#timeoutReason = reason;
    if (this.#timer !== undefined && this.#timerAt === at) return;
    this.#clearTimer();
    this.#timerAt = at;
    const wait = at - now();
    if (wait <= 0) {
      // Already past: stop on the next turn, so the phase is entered and named first.
      this.#timer = setTimeout(() => this.#stop(this.#timeoutReason()), 0);
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // Timers may fire a fraction of a millisecond early; re-arm rather than end early.
      if (now() < at) this.#arm(at, this.#timeoutReason);
      else this.#stop(this.#timeoutReason());
    }, Math.ceil(wait));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** A timeout or an abort: destroy the socket now and end the current phase. */
  #stop(reason: Error): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    this.#clearTimer();
    this.#destroy();
    this.#interrupt(reason);
  }

  /** Polite close after a conversation that went well: COM_QUIT, then wait briefly for the server to hang up. */
  async #quit(): Promise<void> {
    const channel = this.#channel;
    const stream = this.#tlsSocket ?? this.#socket;
    this.#clearTimer();
    if (!channel || !stream || channel.failure || this.#stopped) return;
    channel.detach();
    this.#emit('close', 'start');
    const grace = Math.max(0, Math.min(QUIT_GRACE_MS, this.#deadline - now()));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, grace);
      function finish(): void {
        clearTimeout(timer);
        stream!.off('close', finish);
        stream!.off('error', finish);
        resolve();
      }
      stream.once('close', finish);
      stream.once('error', finish);
      // Reading on lets the FIN arrive; anything else the server sends now is ignored.
      stream.resume();
      stream.end(quitPacket());
    });
    this.#emit('close', 'end');
  }

  #destroy(): void {
    for (const s of [this.#tlsSocket, this.#socket]) {
      if (!s) continue;
      // A destroyed socket can still report a late error; keep it from becoming uncaught.
      if (s.listenerCount('error') === 0) s.on('error', noop);
      s.destroy();
    }
    this.#channel?.detach();
  }

  #emit(phase: ProbeEvent['phase'], event: ProbeEvent['event'], detail?: string): void {
    const onEvent = this.#opts.onEvent;
    if (!onEvent) return;
    const e: ProbeEvent = { phase, event, at: round(now() - this.#start) };
    if (detail !== undefined) e.detail = detail;
    try {
      onEvent(e);
    } catch {
      // A tracing callback must not change the outcome.
    }
  }

  #timingsNow(): Timings {
    return { ...this.#timings, total: round(now() - this.#start) };
  }

  #answered(verdict: Verdict): ProbeResult {
    // Built from a literal by name (copyFields), not from a spread: V8 gives each spread copy a
    // map of its own, so every field added to it would make a new map again.
    const known = this.#node ?? { version: '' };
    const node: NodeInfo = { version: known.version };
    copyFields(verdict.fields, copyFields(known, node));
    return {
      target: this.#opts.target,
      healthy: verdict.healthy,
      outcome: verdict.healthy ? 'healthy' : 'unhealthy',
      reason: verdict.reason,
      node,
      timings: this.#timingsNow(),
    };
  }

  #failed(err: unknown): ProbeResult {
    const { outcome, reason, error } = classify(err, this.#phase);
    const result: ProbeResult = {
      target: this.#opts.target,
      healthy: false,
      outcome,
      phase: this.#phase,
      reason,
      error,
      timings: this.#timingsNow(),
    };
    if (this.#node) result.node = this.#node;
    return result;
  }
}

function noop(): void {}

/** Below VERIFY_IDENTITY the name in the certificate is not checked. */
function noIdentityCheck(): undefined {
  return undefined;
}

/** A value of SHOW STATUS/VARIABLES as kept: printable, bounded (the address list may be long). */
function cleanValue(name: string, value: string): string {
  return printable(value, name === 'wsrep_incoming_addresses' ? 8192 : 100);
}

/** Rows of MEMBERS_SQL: node_uuid, node_name, node_incoming_address. */
function memberList(result: TextResult): Member[] {
  if (result.rows.length > MAX_MEMBERS)
    throw new ProtocolError(`mysql.wsrep_cluster_members holds ${result.rows.length} rows (limit ${MAX_MEMBERS})`);
  if (result.columns.length !== 3)
    throw new ProtocolError(`mysql.wsrep_cluster_members answered with ${result.columns.length} columns, expected 3`);
  return result.rows.map(([uuid, name, address]) => ({
    uuid: printable(uuid ?? '', 100),
    name: printable(name ?? '', 100),
    address: printable(address ?? '', 300),
  }));
}

/**
 * The session and certificate bookkeeping of one TLS handshake: which session may be saved,
 * and the SHA-256 of the certificate the server showed.
 */
function trackSession(
  secure: TLSSocket,
  slot: string,
  resumedCertificate: Buffer | undefined,
): { certificate: () => Buffer | undefined; approve: () => void } {
  // A session is kept only from a handshake that passed the mode's checks: TLS 1.2 hands
  // it over before they run, TLS 1.3 as tickets after the handshake. A deferred check
  // passes only once the server's proof matched (approve()).
  let passed = false;
  let offered: Buffer | undefined;
  // SHA-256 of the server's certificate (DER): from the handshake, or, on a resumed session
  // (whose TLS 1.3 handshake shows no certificate), the one saved with it: only the server
  // that made the session can resume it. Computed when first needed.
  let certificateSha256: Buffer | undefined;
  const certificate = (): Buffer | undefined => {
    if (certificateSha256 === undefined) {
      const raw = secure.isSessionReused() ? undefined : secure.getPeerCertificate()?.raw;
      certificateSha256 = raw ? sha256(raw) : resumedCertificate;
    }
    return certificateSha256;
  };
  secure.on('session', (s: Buffer) => {
    if (passed) saveSession(slot, s, certificate());
    else offered = s;
  });
  const approve = (): void => {
    passed = true;
    if (offered) saveSession(slot, offered, certificate());
  };
  return { certificate, approve };
}
