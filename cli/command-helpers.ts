import { Option } from 'commander';
import { findKind, type KindDefinition } from '../crds-equivalent/index.js';
import { CliError, type CliContext } from './context.js';
import { loadManifests } from './manifest.js';
import { checkManifests, knownKinds, type ResourceManifest } from './resource-document.js';

/** Commander's idiom for a repeatable option (-f a -f b). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `-o, --output <format>` restricted to the given formats, 'table' by default. */
export function outputOption<T extends string>(formats: readonly T[]): Option {
  return new Option('-o, --output <format>', 'output format').choices(formats).default('table');
}

/** Resolves a kind the user typed (name, plural or alias) or fails listing the known kinds. */
export function requireKind(name: string): KindDefinition {
  const kind = findKind(name);
  if (!kind) throw new CliError(`unknown kind "${name}"; known kinds: ${knownKinds()}`);
  return kind;
}

/**
 * Loads and checks every manifest, printing every problem as `<file>: <Kind>/<name>: <error>` and failing before
 * anything is written when there is any. validateSpecs: apply needs valid specs, delete only the identities.
 */
export async function loadValidResources(
  ctx: CliContext,
  files: readonly string[],
  validateSpecs: boolean,
): Promise<ResourceManifest[]> {
  const loaded = await loadManifests(files);
  const checked = checkManifests(loaded.documents, { validateSpecs });
  const errors = [...loaded.errors, ...checked.errors];
  if (errors.length === 0) return checked.resources;
  for (const e of errors) ctx.stderr.write(`${e}\n`);
  const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
  throw new CliError(`${count} in manifests; nothing was ${validateSpecs ? 'applied' : 'deleted'}`);
}
