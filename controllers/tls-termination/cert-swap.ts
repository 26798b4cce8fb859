import type { RuntimeApi } from './runtime-api.js';

export type SwapOutcome = { ok: true } | { ok: false; message: string };

/** What HAProxy serves for a certificate file, from `show ssl cert`. */
export interface ServedCertificate {
  serial: string;
  /** SHA-1 of the leaf's DER, lower-case hex: the only digest HAProxy 2.6 shows. */
  sha1: string;
}

/** A payload line must not be empty (it would end the payload early) nor hold anything but PEM. */
const PEM_LINE = /^[A-Za-z0-9+/= -]+$/;
const PATH = /^(\/[A-Za-z0-9_.-]+)+$/;

/**
 * Replaces the certificate HAProxy serves from `path`, through the runtime API and without a reload: `set ssl cert`
 * opens a transaction with the new PEM, `commit ssl cert` swaps it in for new handshakes (open connections keep the
 * one they negotiated). A refusal aborts the transaction, so the old certificate keeps serving.
 */
export async function swapCertificate(
  api: RuntimeApi,
  path: string,
  pem: string,
  signal: AbortSignal,
): Promise<SwapOutcome> {
  assertSafePath(path);
  const lines = pem.replace(/\n+$/, '').split('\n');
  if (lines.length === 0 || !lines.every((l) => PEM_LINE.test(l)))
    return { ok: false, message: 'the PEM holds characters or blank lines the runtime API cannot carry' };
  const set = await api.send(`set ssl cert ${path} <<\n${lines.join('\n')}\n\n`, signal);
  if (!/Transaction (created|updated)/.test(set)) return abort(api, path, set, signal);
  const commit = await api.send(`commit ssl cert ${path}\n`, signal);
  if (!/Success!/.test(commit)) return abort(api, path, commit, signal);
  return { ok: true };
}

/** What HAProxy serves from `path`; undefined when it does not know the file (or does not answer). */
export async function servedCertificate(
  api: RuntimeApi,
  path: string,
  signal: AbortSignal,
): Promise<ServedCertificate | undefined> {
  assertSafePath(path);
  const answer = await api.send(`show ssl cert ${path}\n`, signal).catch(() => undefined);
  const serial = answer && /^Serial: ([0-9A-Fa-f]+)$/m.exec(answer)?.[1];
  const sha1 = answer && /^SHA1 FingerPrint: ([0-9A-Fa-f]+)$/m.exec(answer)?.[1];
  return serial && sha1 ? { serial: serial.toLowerCase(), sha1: sha1.toLowerCase() } : undefined;
}

async function abort(api: RuntimeApi, path: string, answer: string, signal: AbortSignal): Promise<SwapOutcome> {
  await api.send(`abort ssl cert ${path}\n`, signal).catch(() => undefined);
  return { ok: false, message: oneLine(answer) || 'no answer' };
}

/** HAProxy's answer on one line, for status and events (it never echoes the PEM). */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .slice(0, 500);
}

function assertSafePath(path: string): void {
  if (!PATH.test(path) || path.includes('..')) throw new Error(`certificate path ${JSON.stringify(path)} is not safe`);
}
