import { findKind, kinds, type KindDefinition } from '../crds-equivalent/index.js';
import { validateResourceSpec } from '../composition/kinds.js';
import { isValidResourceName } from '../runtime/paths.js';
import type { ManifestDocument } from './manifest.js';

/** A manifest document understood as a resource: `{kind, name, spec}` (or k8s-style metadata.name). */
export interface ResourceManifest {
  kind: KindDefinition;
  name: string;
  /** The spec exactly as written (no defaults filled in): this is what gets stored. */
  spec: unknown;
  source: ManifestDocument;
}

export interface ManifestCheck {
  resources: ResourceManifest[];
  /** `<file>: <Kind>/<name>: <error>` lines. */
  errors: string[];
}

const TOP_LEVEL_FIELDS = new Set(['apiVersion', 'kind', 'name', 'metadata', 'spec']);

/**
 * Interprets every document and reports every problem at once, so one run shows all that must be fixed.
 * With validateSpecs the spec must also pass the kind's schema and semantic checks (apply); delete only needs
 * to know which resource a document names.
 */
export function checkManifests(
  documents: readonly ManifestDocument[],
  opts: { validateSpecs: boolean },
): ManifestCheck {
  const check: ManifestCheck = { resources: [], errors: [] };
  const seen = new Map<string, ManifestDocument>();
  for (const doc of documents) {
    const result = interpretDocument(doc, opts.validateSpecs);
    check.errors.push(...result.errors.map((e) => `${doc.file}: ${result.label}: ${e}`));
    const resource = result.resource;
    if (!resource) continue;
    const key = `${resource.kind.kind}/${resource.name}`;
    const first = seen.get(key);
    if (first) {
      check.errors.push(`${doc.file}: ${key}: defined twice (also ${first.file} document ${first.index})`);
      continue;
    }
    seen.set(key, doc);
    check.resources.push(resource);
  }
  return check;
}

interface Interpretation {
  /** `<Kind>/<name>` when known, else `document N`. */
  label: string;
  errors: string[];
  resource: ResourceManifest | undefined;
}

function interpretDocument(doc: ManifestDocument, validateSpecs: boolean): Interpretation {
  const fallback = `document ${doc.index}`;
  const content = doc.content;
  if (!isPlainObject(content)) return rejected(fallback, ['must be a mapping with kind, name and spec']);
  const { name, errors } = readName(content);
  errors.push(...unknownFields(content));
  const kindName = typeof content.kind === 'string' ? content.kind : undefined;
  if (!kindName) return rejected(fallback, [...errors, 'kind is required']);
  const label = name === undefined ? fallback : `${kindName}/${name}`;
  const kind = findKind(kindName);
  if (!kind) return rejected(label, [...errors, `unknown kind "${kindName}" (known kinds: ${knownKinds()})`]);
  if (name !== undefined) errors.push(...checkName(kind, name));
  if (validateSpecs) errors.push(...checkSpec(kind, content));
  if (name === undefined || errors.length > 0)
    return rejected(name === undefined ? fallback : `${kind.kind}/${name}`, errors);
  return { label: `${kind.kind}/${name}`, errors, resource: { kind, name, spec: content.spec, source: doc } };
}

function rejected(label: string, errors: string[]): Interpretation {
  return { label, errors, resource: undefined };
}

function readName(content: Record<string, unknown>): { name?: string; errors: string[] } {
  const metadata = content.metadata;
  if (metadata !== undefined && !isPlainObject(metadata)) return { errors: ['metadata must be a mapping'] };
  const errors = Object.keys(metadata ?? {})
    .filter((k) => k !== 'name')
    .map((k) => `metadata.${k} is not supported (only metadata.name)`);
  const direct = content.name;
  const fromMetadata = metadata?.name;
  if (direct !== undefined && fromMetadata !== undefined && direct !== fromMetadata) {
    return { errors: [...errors, 'name and metadata.name differ'] };
  }
  const name = direct ?? fromMetadata;
  if (name === undefined) return { errors: [...errors, 'name (or metadata.name) is required'] };
  if (typeof name !== 'string') return { errors: [...errors, 'name must be a string'] };
  return { name, errors };
}

function checkName(kind: KindDefinition, name: string): string[] {
  if (!isValidResourceName(name)) return [`invalid name "${name}": use 1-128 letters, digits, _ . -`];
  if (kind.singletonName !== undefined && name !== kind.singletonName) {
    return [`name must be "${kind.singletonName}": there is one ${kind.kind} per gateway`];
  }
  return [];
}

function checkSpec(kind: KindDefinition, content: Record<string, unknown>): string[] {
  if (content.spec === undefined) return ['spec is required'];
  const result = validateResourceSpec(kind, content.spec);
  return result.ok ? [] : result.errors;
}

function unknownFields(content: Record<string, unknown>): string[] {
  return Object.keys(content)
    .filter((k) => !TOP_LEVEL_FIELDS.has(k))
    .map((k) => `unknown field "${k}" (expected kind, name or metadata.name, spec)`);
}

/** The kinds a user may name, for error messages. */
export function knownKinds(): string {
  return kinds.map((k) => `${k.kind} (${[k.plural, ...k.aliases].join(', ')})`).join('; ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
