/**
 * Captures known-answer values from a real MariaDB 11.x over TLS, for test/mariadb11-vectors.test.ts:
 * the greeting's scramble, every auth packet each way, the server's certificate (DER, base64)
 * and the OK packet's proof, one login per account.
 *
 *   npx tsx scripts/capture-mariadb11-vectors.ts 127.0.0.1 3329 user:password ... > fixtures/mariadb-11.8/logins.json
 *
 * Test accounts only: the passwords given are written into the output.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { PacketChannel } from '../src/protocol/channel.js';
import { authenticate, readGreeting } from '../src/protocol/connection.js';
import { buildSslRequest, clientCapabilities } from '../src/protocol/handshake.js';

interface Login {
  user: string;
  password: string;
  server: string;
  scramble: string;
  certificate: string;
  /** Auth packets after the SSLRequest, in order: who sent it and its payload (hex). */
  packets: { from: 'client' | 'server'; payload: string }[];
  plugin: string;
  proof: string | null;
}

async function capture(host: string, port: number, user: string, password: string): Promise<Login> {
  const socket = netConnect({ host, port });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const channel = new PacketChannel(socket);
  const greeting = await readGreeting(channel);
  channel.write(
    buildSslRequest(
      clientCapabilities(greeting.capabilities, { ssl: true, connectAttrs: true }),
      channel.takeSequenceId(),
    ),
  );
  channel.detach();
  const secure: TLSSocket = tlsConnect({ socket, rejectUnauthorized: false });
  await new Promise((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
  channel.replaceStream(secure);
  const packets: Login['packets'] = [];
  const read = channel.read.bind(channel);
  const write = channel.write.bind(channel);
  channel.read = async () => {
    const p = await read();
    packets.push({ from: 'server', payload: p.payload.toString('hex') });
    return p;
  };
  channel.write = (frame: Buffer) => {
    packets.push({ from: 'client', payload: frame.subarray(4).toString('hex') });
    write(frame);
  };
  const session = await authenticate(channel, greeting, {
    user,
    password: Buffer.from(password),
    encrypted: true,
    passwordAllowed: false,
    getServerPublicKey: false,
    ssl: true,
    connectAttrs: [],
  });
  const certificate = secure.getPeerCertificate().raw.toString('base64');
  secure.destroy();
  return {
    user,
    password,
    server: greeting.serverVersion,
    scramble: greeting.nonce.toString('hex'),
    certificate,
    packets,
    plugin: session.authPlugin,
    proof: session.serverProof?.toString('hex') ?? null,
  };
}

const [host = '127.0.0.1', port = '3306', ...accounts] = process.argv.slice(2);
const logins: Login[] = [];
for (const account of accounts) {
  const colon = account.indexOf(':');
  logins.push(await capture(host, Number(port), account.slice(0, colon), account.slice(colon + 1)));
}
process.stdout.write(`${JSON.stringify(logins, null, 1)}\n`);
