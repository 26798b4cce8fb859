// A TLS server with a test CA on a test host, and a plain HTTP server that logs every request it receives: what the
// IPS tests need to tell "blocked in the gateway" from "answered by the server".
import type { Role, Topology } from './topology.js';

/** The names the test leaf certificate covers (all served by the one TLS server). */
export const TLS_NAMES = ['allowed.example', '*.allowed.example', 'denied.example', 'other.example'];
export const TLS_PORT = 8443;
export const LOGGING_PORT = 8090;
const DIR = '/tmp/csgw-tls';
export const REQUEST_LOG = '/tmp/csgw-requests.log';

// Plain CommonJS for `node -e`: one HTTPS and one HTTP server, both appending "<scheme> <host> <path>" per request.
const SERVERS = `
const fs = require('node:fs');
const log = (scheme) => (req, res) => {
  fs.appendFileSync(${JSON.stringify(REQUEST_LOG)}, scheme + ' ' + req.headers.host + ' ' + req.url + '\\n');
  res.end(scheme + '-ok\\n');
};
require('node:https')
  .createServer({ key: fs.readFileSync('${DIR}/leaf.key'), cert: fs.readFileSync('${DIR}/leaf.pem') }, log('https'))
  .listen(${TLS_PORT});
require('node:http').createServer(log('http')).listen(${LOGGING_PORT});
`;

async function sh(t: Topology, role: Role, script: string, ...args: string[]): Promise<string> {
  const run = await t.exec(role, ['sh', '-c', script, 'sh', ...args]);
  if (run.exitCode !== 0) throw new Error(`${role}: ${script.slice(0, 80)}: ${run.stderr}`);
  return run.stdout;
}

/**
 * Makes a CA and a leaf for TLS_NAMES on the server, starts both servers there, and installs the CA's certificate
 * on the client as /tmp/csgw-tls/ca.pem.
 */
export async function startTlsServers(t: Topology): Promise<void> {
  const san = TLS_NAMES.map((n) => `DNS:${n}`).join(',');
  await sh(
    t,
    'server',
    [
      `mkdir -p ${DIR} && cd ${DIR}`,
      'openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=csgw-e2e-ca 2>/dev/null',
      'openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=allowed.example 2>/dev/null',
      'printf "subjectAltName=%s\\n" "$1" > ext',
      'openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile ext 2>/dev/null',
      `nohup node -e "$2" >${DIR}/servers.log 2>&1 &`,
    ].join(' && '),
    san,
    SERVERS,
  );
  const ca = await sh(t, 'server', `cat ${DIR}/ca.pem`);
  await sh(t, 'client', `mkdir -p ${DIR} && printf '%s' "$1" > ${DIR}/ca.pem`, ca);
  for (const url of [`https://127.0.0.1:${TLS_PORT}/ready`, `http://127.0.0.1:${LOGGING_PORT}/ready`])
    await sh(t, 'server', 'for i in $(seq 50); do curl -skf -o /dev/null "$1" && exit 0; sleep 0.1; done; exit 1', url);
}

/** An HTTPS GET from the client to `name` (resolved to the server), verified against the test CA: the SNI is `name`. */
export async function httpsGet(t: Topology, name: string, maxTimeSec = 3): Promise<boolean> {
  const run = await t.exec('client', [
    ...['curl', '-sS', '--max-time', String(maxTimeSec), '--cacert', `${DIR}/ca.pem`],
    ...['--resolve', `${name}:${TLS_PORT}:${t.serverIp}`, `https://${name}:${TLS_PORT}/`],
  ]);
  return run.exitCode === 0 && run.stdout.includes('https-ok');
}

/** A plain HTTP GET from the client to the logging server, with `host` as the Host header. */
export async function httpGet(t: Topology, path: string, host?: string, maxTimeSec = 3): Promise<boolean> {
  const run = await t.exec('client', [
    ...['curl', '-sS', '--max-time', String(maxTimeSec)],
    ...(host ? ['-H', `Host: ${host}`] : []),
    `http://${t.serverIp}:${LOGGING_PORT}${path}`,
  ]);
  return run.exitCode === 0 && run.stdout.includes('http-ok');
}

/** The requests the servers received, one "<scheme> <host> <path>" each. */
export async function receivedRequests(t: Topology): Promise<string[]> {
  const run = await t.exec('server', ['cat', REQUEST_LOG]);
  return run.exitCode === 0 ? run.stdout.split('\n').filter(Boolean) : [];
}
