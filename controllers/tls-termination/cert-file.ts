import { X509Certificate, createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateMaterial } from '../../runtime/aws/api-ports.js';

/** The leaf's identity, computed here: the same digests for a file, a Secret and an ACM export. */
export interface LeafFacts {
  /** SHA-256 of the leaf's DER, lower-case hex. */
  sha256: string;
  /** SHA-1 of the leaf's DER, lower-case hex: what HAProxy's `show ssl cert` shows. */
  sha1: string;
  subject: string;
  issuer: string;
  serial: string;
  notAfter: string;
}

/**
 * A PEM bundle HAProxy loads: the leaf, its chain, the private key. toJSON and toString hide the key, so a log line
 * or status that serialises an action by mistake never carries it.
 */
export class PemBundle {
  readonly leaf: LeafFacts;

  constructor(readonly pem: string) {
    this.leaf = leafFacts(pem);
  }

  static of(material: CertificateMaterial): PemBundle {
    const parts = [material.certificatePem, material.chainPem, material.privateKeyPem].map(normalise).filter(Boolean);
    return new PemBundle(`${parts.join('\n')}\n`);
  }

  toJSON(): LeafFacts {
    return this.leaf;
  }

  toString(): string {
    return `PEM bundle (leaf sha256 ${this.leaf.sha256})`;
  }
}

/** The facts of the first certificate of a PEM text; throws when there is none. */
export function leafFacts(pem: string): LeafFacts {
  const cert = new X509Certificate(pem);
  const hex = (algo: string): string => createHash(algo).update(cert.raw).digest('hex');
  return {
    sha256: hex('sha256'),
    sha1: hex('sha1'),
    subject: cert.subject.replaceAll('\n', ', '),
    issuer: cert.issuer.replaceAll('\n', ', '),
    serial: cert.serialNumber.toLowerCase(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

/**
 * Where each resource's PEM lives, outside the config revisions: a renewed certificate changes a file haproxy.cfg
 * names, never haproxy.cfg itself.
 */
export class CertificateFiles {
  constructor(readonly dir: string) {}

  pathOf(resource: string): string {
    return join(this.dir, `${resource}.pem`);
  }

  /** Writes 0600 to a temporary file, syncs it, renames it over the old: a reader sees the old or the new whole. */
  async write(resource: string, bundle: PemBundle): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = this.pathOf(resource);
    const temp = `${path}.tmp-${process.pid}`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(bundle.pem);
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  }

  /** The leaf of the file on disk; undefined when there is none or it does not parse. */
  async read(resource: string): Promise<LeafFacts | undefined> {
    const text = await readFile(this.pathOf(resource), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return leafFacts(text);
    } catch {
      return undefined;
    }
  }

  /** The resources with a file here. */
  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.pem')).map((n) => n.slice(0, -'.pem'.length));
  }

  async remove(resource: string): Promise<void> {
    await rm(this.pathOf(resource), { force: true });
  }
}

function normalise(pem: string): string {
  return pem
    .replaceAll('\r', '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('\n');
}
