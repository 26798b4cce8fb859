import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

/**
 * A three-host lab made of network namespaces, for the demo and the kernel integration tests:
 *
 *   client ns (10.77.0.2) ── veth ── gateway (10.77.0.1 | 203.0.113.1) ── veth ── server ns (203.0.113.2)
 *
 * The gateway is a named namespace, or the calling process's own one when gatewayNs is undefined (the integration
 * tests run under `unshare --net`). Its default route points at the server side; the server has no route to
 * 10.77.0.0/24, so a reply reaches the client only when the gateway translated the source. Nothing here touches
 * the host's own interfaces, routes or firewall.
 */
export interface LabTopology {
  gatewayNs?: string;
  clientNs: string;
  serverNs: string;
  privateIf: string;
  publicIf: string;
  /** The gateway's address on the client side: the clients' default route, and where they reach its services. */
  gatewayPrivateIp: string;
  gatewayPublicIp: string;
  serverIp: string;
  serverPort: number;
  /** GET http://server:port/ from the client namespace: the echo server's JSON, or undefined on failure. */
  clientFetch(timeoutSeconds?: number): Promise<{ remoteAddress: string } | undefined>;
  /** Runs argv in a namespace (undefined: this process's). */
  run(ns: string | undefined, argv: string[]): Promise<string>;
  cleanup(): Promise<void>;
}

export const LAB_SERVER_PORT = 8080;

/** The echo server of the test-host image; found by walking up, as this file runs from source and from dist/. */
function echoServerPath(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const candidate = fileURLToPath(new URL('images/testhost/echo-server.mjs', dir));
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('images/testhost/echo-server.mjs not found above lab/');
}

async function sh(argv: string[]): Promise<string> {
  const [file = '', ...args] = argv;
  return (await execa(file, args)).stdout;
}

export function inNs(ns: string | undefined, argv: string[]): string[] {
  return ns ? ['ip', 'netns', 'exec', ns, ...argv] : argv;
}

/** Creates the lab; `name` prefixes every namespace and interface so parallel labs never collide. */
export async function createLabTopology(
  opts: { gatewayNs?: 'create' | undefined; id?: string } = {},
): Promise<LabTopology> {
  const id = opts.id ?? randomBytes(3).toString('hex');
  const gatewayNs = opts.gatewayNs === 'create' ? `csgw-gw-${id}` : undefined;
  const t = {
    gatewayNs,
    clientNs: `csgw-c-${id}`,
    serverNs: `csgw-s-${id}`,
    privateIf: `gwp-${id}`,
    publicIf: `gwq-${id}`,
  };
  try {
    for (const step of buildSteps(t, id)) await sh(step);
  } catch (err) {
    await deleteNamespaces(t);
    throw err;
  }
  const server = execa(
    'ip',
    ['netns', 'exec', t.serverNs, process.execPath, echoServerPath(), String(LAB_SERVER_PORT)],
    { reject: false },
  );
  await waitForServer(t.serverNs);
  return {
    ...t,
    gatewayPrivateIp: '10.77.0.1',
    gatewayPublicIp: '203.0.113.1',
    serverIp: '203.0.113.2',
    serverPort: LAB_SERVER_PORT,
    clientFetch: (timeoutSeconds = 2) => clientFetch(t.clientNs, timeoutSeconds),
    run: (ns, argv) => sh(inNs(ns, argv)),
    cleanup: () => cleanup(server, t),
  };
}

type Names = { gatewayNs?: string; clientNs: string; serverNs: string; privateIf: string; publicIf: string };

function buildSteps(t: Names, id: string): string[][] {
  const gw = (argv: string[]): string[] => inNs(t.gatewayNs, argv);
  const up = (ns: string | undefined, dev: string): string[] => inNs(ns, ['ip', 'link', 'set', dev, 'up']);
  return [
    ...(t.gatewayNs ? [['ip', 'netns', 'add', t.gatewayNs]] : []),
    ['ip', 'netns', 'add', t.clientNs],
    ['ip', 'netns', 'add', t.serverNs],
    gw(['ip', 'link', 'add', t.privateIf, 'type', 'veth', 'peer', 'name', `cl-${id}`, 'netns', t.clientNs]),
    gw(['ip', 'link', 'add', t.publicIf, 'type', 'veth', 'peer', 'name', `sv-${id}`, 'netns', t.serverNs]),
    gw(['ip', 'addr', 'add', '10.77.0.1/24', 'dev', t.privateIf]),
    gw(['ip', 'addr', 'add', '203.0.113.1/24', 'dev', t.publicIf]),
    up(t.gatewayNs, 'lo'),
    up(t.gatewayNs, t.privateIf),
    up(t.gatewayNs, t.publicIf),
    gw(['ip', 'route', 'add', 'default', 'via', '203.0.113.2']),
    up(t.clientNs, 'lo'),
    up(t.clientNs, `cl-${id}`),
    inNs(t.clientNs, ['ip', 'addr', 'add', '10.77.0.2/24', 'dev', `cl-${id}`]),
    inNs(t.clientNs, ['ip', 'route', 'add', 'default', 'via', '10.77.0.1']),
    up(t.serverNs, 'lo'),
    up(t.serverNs, `sv-${id}`),
    inNs(t.serverNs, ['ip', 'addr', 'add', '203.0.113.2/24', 'dev', `sv-${id}`]),
  ];
}

async function waitForServer(ns: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await execa(
      'ip',
      ['netns', 'exec', ns, 'curl', '-s', '-m', '1', `http://127.0.0.1:${LAB_SERVER_PORT}/`],
      { reject: false },
    );
    if (r.exitCode === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('echo server did not start');
}

async function clientFetch(ns: string, timeoutSeconds: number): Promise<{ remoteAddress: string } | undefined> {
  const url = `http://203.0.113.2:${LAB_SERVER_PORT}/`;
  const r = await execa('ip', ['netns', 'exec', ns, 'curl', '-s', '-m', String(timeoutSeconds), url], {
    reject: false,
  });
  return r.exitCode === 0 ? (JSON.parse(r.stdout) as { remoteAddress: string }) : undefined;
}

async function cleanup(server: ResultPromise, t: Names): Promise<void> {
  server.kill('SIGKILL');
  await server;
  await deleteNamespaces(t);
}

/** Deleting a namespace deletes its veth ends, and with them their peers. */
async function deleteNamespaces(t: Names): Promise<void> {
  for (const ns of [t.clientNs, t.serverNs, t.gatewayNs]) {
    if (ns) await execa('ip', ['netns', 'del', ns], { reject: false });
  }
}
