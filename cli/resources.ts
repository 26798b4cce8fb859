import { GetParameterCommand, paginateGetParametersByPath, type Parameter, type SSMClient } from '@aws-sdk/client-ssm';
import type { KindDefinition } from '../crds-equivalent/index.js';
import { kindSpecPath, parseSpecPath, specPath, type GatewayPaths } from '../runtime/paths.js';
import { errorMessage, isAwsError } from './context.js';

/** A resource as stored: its raw parameter value, SSM version (= generation) and modification time. */
export interface StoredResource {
  kind: KindDefinition;
  name: string;
  generation: number;
  value: string;
  lastModified?: Date;
}

/** What `get -o json|yaml` prints and printer columns address. spec is null when the stored value is not JSON. */
export interface ResourceView {
  kind: string;
  name: string;
  generation: number;
  spec: unknown;
  /** Present only when the stored value could not be parsed. */
  error?: string;
}

/** Reads one resource; undefined when its parameter does not exist. */
export async function getStoredResource(
  client: SSMClient,
  paths: GatewayPaths,
  kind: KindDefinition,
  name: string,
): Promise<StoredResource | undefined> {
  try {
    const out = await client.send(
      new GetParameterCommand({ Name: specPath(paths, kind, name), WithDecryption: kind.secret === true }),
    );
    return out.Parameter ? toStored(kind, name, out.Parameter) : undefined;
  } catch (err) {
    if (isAwsError(err, 'ParameterNotFound')) return undefined;
    throw err;
  }
}

/** Every resource of a kind, sorted by name. Parameters nested deeper than a resource are not resources. */
export async function listStoredResources(
  client: SSMClient,
  paths: GatewayPaths,
  kind: KindDefinition,
): Promise<StoredResource[]> {
  const found: StoredResource[] = [];
  const pages = paginateGetParametersByPath(
    { client },
    { Path: kindSpecPath(paths, kind), Recursive: false, WithDecryption: kind.secret === true },
  );
  for await (const page of pages) {
    for (const p of page.Parameters ?? []) {
      const parsed = p.Name ? parseSpecPath(paths, p.Name) : undefined;
      if (parsed?.plural === kind.plural) found.push(toStored(kind, parsed.name, p));
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

function toStored(kind: KindDefinition, name: string, p: Parameter): StoredResource {
  return { kind, name, generation: p.Version ?? 0, value: p.Value ?? '', lastModified: p.LastModifiedDate };
}

export function resourceView(r: StoredResource): ResourceView {
  try {
    const spec = JSON.parse(r.value) as unknown;
    return { kind: r.kind.kind, name: r.name, generation: r.generation, spec: r.kind.secret ? redacted(spec) : spec };
  } catch (err) {
    return {
      kind: r.kind.kind,
      name: r.name,
      generation: r.generation,
      spec: null,
      error: `invalid JSON: ${errorMessage(err)}`,
    };
  }
}

/** A secret kind's spec with every data value replaced by its size: the CLI never prints a secret. */
function redacted(spec: unknown): unknown {
  const data = (spec as { data?: unknown } | null)?.data;
  if (typeof data !== 'object' || data === null) return { data: '<redacted>' };
  const sizes = Object.entries(data as Record<string, unknown>).map(([k, v]): [string, string] => [
    k,
    `<redacted: ${String(v).length} characters>`,
  ]);
  return { ...(spec as object), data: Object.fromEntries(sizes) };
}

/** kubectl's way of naming one object in messages: `sourcenat/default`. */
export function objectRef(kind: KindDefinition, name: string): string {
  return `${kind.kind.toLowerCase()}/${name}`;
}

/** kubectl's not-found message: `sourcenat "x" not found`. */
export function notFoundMessage(kind: KindDefinition, name: string): string {
  return `${kind.kind.toLowerCase()} "${name}" not found`;
}
