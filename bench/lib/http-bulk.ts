import type { Topology } from '../../e2e/harness/index.js';
import type { IperfResult } from './iperf.js';

/**
 * A bulk HTTP download through the gateway (curl on the client from the server's echo server, /bytes): unlike
 * iperf3's own protocol, HTTP is a protocol Suricata recognises, so its app-layer parser and stream depth (and with
 * it flow bypass after N bytes) apply to it.
 */
export const HTTP_MODE = 'http1';

/** The echo server's /bytes serves at most 1 GiB. */
const SIZE = 1024 ** 3;
const WRITE_OUT = '%{size_download} %{time_total} %{http_code}';

/**
 * `size_download time_total http_code` from curl's -w. A download cut short by --max-time still counts: the bytes
 * that arrived in the time it ran.
 */
export function parseCurlDownload(stdout: string): { bytes: number; seconds: number } {
  const [bytes, seconds, code] = stdout.trim().split(/\s+/).map(Number);
  if (!bytes || !seconds || code !== 200) throw new Error(`http download failed: ${JSON.stringify(stdout)}`);
  return { bytes, seconds };
}

/** One download of up to 1 GiB, cut off after `seconds`. */
async function download(t: Topology, seconds: number): Promise<{ bytes: number; seconds: number }> {
  const url = `http://${t.serverIp}:${t.serverPort}/bytes?size=${SIZE}`;
  const argv = ['curl', '-sS', '-o', '/dev/null', '--max-time', seconds.toFixed(1), '-w', WRITE_OUT, url];
  const r = await t.exec('client', argv);
  // 28: the time limit cut the download short, which is how a run on a slow path ends.
  if (r.exitCode !== 0 && r.exitCode !== 28) throw new Error(`curl failed (${r.exitCode}): ${r.stderr}`);
  return parseCurlDownload(r.stdout);
}

/**
 * Downloads one after another (each a new connection, inspected from its start) until `seconds` of download time
 * were spent; the rate is all bytes over all download time.
 */
export async function runHttpDownload(t: Topology, seconds: number): Promise<IperfResult> {
  let [bytes, spent] = [0, 0];
  while (spent < seconds - 0.2) {
    const d = await download(t, seconds - spent);
    [bytes, spent] = [bytes + d.bytes, spent + d.seconds];
  }
  const bps = (bytes * 8) / spent;
  return { receivedBps: bps, sentBps: bps };
}
