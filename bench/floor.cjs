// The floor for a health check in Node.js: only what a probe must do, with raw sockets (the yardstick of bench:cli
// and bench:library). Connect, read the greeting, TLS when the server offers it (like --ssl-mode PREFERRED: no
// verification), log in with mysql_native_password, send the statements in one write, read their answers, COM_QUIT
// and wait for the server to hang up. No deadlines, no option parsing, no checks of what the server sends: not a client.
//   MYSQL_PWD=... node bench/floor.cjs HOST PORT[,PORT...] USER plain|tls SQL...      (or require it: check(options))
'use strict';
const net = require('node:net');
const { createHash } = require('node:crypto');
const packet = (seq, body) => Buffer.concat([Buffer.from([body.length & 255, (body.length >> 8) & 255, body.length >> 16, seq]), body]);
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const sha1 = (...parts) => { const h = createHash('sha1'); for (const p of parts) h.update(p); return h.digest(); };
let context, session; // as a probe in one process: one TLS context, the last session offered again

/** Resolves with { healthy, tls } once the server has hung up. */
function check({ host, port, user, password, tls: wantTls, sqls }) {
  return new Promise((resolve, reject) => {
    let stream = net.connect({ host, port, noDelay: true }).on('error', reject);
    let buffered = Buffer.alloc(0), onPacket = greeting, eofs = 0, answered = 0, healthy = false, tls = false;
    const listen = (s) => s.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUIntLE(0, 3)) {
        const body = buffered.subarray(4, 4 + buffered.readUIntLE(0, 3));
        buffered = buffered.subarray(4 + body.length);
        onPacket(body);
      }
    });
    function greeting(body) {
      const versionEnd = body.indexOf(0, 1);
      const scramble = Buffer.concat([body.subarray(versionEnd + 5, versionEnd + 13), body.subarray(versionEnd + 32, versionEnd + 44)]);
      const offersTls = (body.readUInt16LE(versionEnd + 14) & 0x800) !== 0;
      // CLIENT_LONG_PASSWORD | PROTOCOL_41 | TRANSACTIONS | SECURE_CONNECTION | PLUGIN_AUTH (| SSL)
      const caps = 0x1 | 0x200 | 0x2000 | 0x8000 | 0x80000 | (wantTls && offersTls ? 0x800 : 0);
      const head = Buffer.concat([u32(caps), u32(1 << 24), Buffer.from([45]), Buffer.alloc(23)]);
      const stage1 = sha1(password);
      const mask = sha1(scramble, sha1(stage1)); // SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password)))
      const token = password === '' ? Buffer.alloc(0) : stage1.map((b, i) => b ^ mask[i]);
      const login = (seq) => packet(seq, Buffer.concat([head, Buffer.from(`${user}\0`), Buffer.from([token.length]), token, Buffer.from('mysql_native_password\0')]));
      onPacket = loggedIn;
      if (!(caps & 0x800)) return void stream.write(login(1));
      stream.write(packet(1, head));
      stream.removeAllListeners('data');
      // As PREFERRED: verify nothing, so an empty CA list (without one Node parses its whole root store).
      context ??= require('node:tls').createSecureContext({ ca: [], minVersion: 'TLSv1.2' });
      stream = require('node:tls').connect({ socket: stream, secureContext: context, session, rejectUnauthorized: false }, () => { tls = true; stream.write(login(2)); });
      listen(stream.on('session', (s) => (session = s)).on('error', reject));
    }
    function loggedIn(body) {
      if (body[0] !== 0) return reject(new Error(`login failed: ${body.subarray(9).toString()}`));
      onPacket = answer;
      stream.write(Buffer.concat(sqls.map((sql) => packet(0, Buffer.concat([Buffer.from([3]), Buffer.from(sql)])))));
    }
    function answer(body) {
      // Without CLIENT_DEPRECATE_EOF a result set ends with its second EOF; an ERR ends a statement too.
      if (body[0] === 0xff) eofs = 2;
      else if (body[0] === 0xfe && body.length < 9) eofs++;
      else if (body.includes('Primary')) healthy = true;
      if (eofs < 2) return;
      eofs = 0;
      if (++answered < sqls.length) return;
      // The server hangs up after COM_QUIT; over TLS that may come as a reset, as the probe also accepts.
      stream.removeAllListeners('error').on('error', () => {}).on('close', () => resolve({ healthy, tls }));
      stream.end(packet(0, Buffer.from([1])));
      stream.resume();
    }
    listen(stream);
  });
}
module.exports = { check };
if (require.main === module) {
  // PORT may be a list (3311,3312,3313): those nodes at once, as `cluster` does, a line each.
  const [host, ports, user, mode, ...sqls] = process.argv.slice(2);
  Promise.all(ports.split(',').map((port) => check({ host, port: Number(port), user, password: process.env.MYSQL_PWD ?? '', tls: mode === 'tls', sqls })))
    .then((rs) => console.log(rs.map((r) => `${r.healthy ? 'healthy' : 'unhealthy'}${r.tls ? ' tls' : ''}`).join('\n')));
}
