import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import YAML from 'yaml';
import { errorField, errorMessage } from './context.js';

/** One document read from a manifest file, not yet interpreted. */
export interface ManifestDocument {
  file: string;
  /** 1-based position within its file, to point at the right document of a multi-document YAML. */
  index: number;
  content: unknown;
}

export interface ManifestLoad {
  documents: ManifestDocument[];
  /** `<file>: <problem>` lines; any error means nothing may be applied. */
  errors: string[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Reads every file and directory given with -f. Directories contribute their *.yaml|*.yml|*.json, sorted. */
export async function loadManifests(paths: readonly string[]): Promise<ManifestLoad> {
  const result: ManifestLoad = { documents: [], errors: [] };
  for (const path of paths) {
    const files = await expandPath(path, result.errors);
    for (const file of files) {
      const parsed = await readManifestFile(file);
      result.documents.push(...parsed.documents);
      result.errors.push(...parsed.errors);
    }
  }
  if (result.documents.length === 0 && result.errors.length === 0) {
    result.errors.push(`${paths.join(', ')}: no manifest documents found`);
  }
  return result;
}

async function expandPath(path: string, errors: string[]): Promise<string[]> {
  try {
    if (!(await stat(path)).isDirectory()) return [path];
    const names = (await readdir(path)).filter((n) => MANIFEST_EXTENSIONS.has(extname(n).toLowerCase())).sort();
    if (names.length === 0) errors.push(`${path}: directory has no *.yaml, *.yml or *.json files`);
    return names.map((n) => join(path, n));
  } catch (err) {
    errors.push(`${path}: ${describeFsError(err)}`);
    return [];
  }
}

async function readManifestFile(file: string): Promise<ManifestLoad> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { documents: [], errors: [`${file}: ${describeFsError(err)}`] };
  }
  return parseManifestText(file, text);
}

/** Parses one file's text: JSON (a document or an array of them) for *.json, multi-document YAML otherwise. */
export function parseManifestText(file: string, text: string): ManifestLoad {
  return extname(file).toLowerCase() === '.json' ? parseJson(file, text) : parseYaml(file, text);
}

function parseJson(file: string, text: string): ManifestLoad {
  let content: unknown;
  try {
    content = JSON.parse(text) as unknown;
  } catch (err) {
    return { documents: [], errors: [`${file}: invalid JSON: ${errorMessage(err)}`] };
  }
  const items = Array.isArray(content) ? content : [content];
  return { documents: items.map((c: unknown, i) => ({ file, index: i + 1, content: c })), errors: [] };
}

function parseYaml(file: string, text: string): ManifestLoad {
  const result: ManifestLoad = { documents: [], errors: [] };
  const docs = YAML.parseAllDocuments(text);
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors)
        result.errors.push(`${file}: document ${i + 1}: invalid YAML: ${firstLine(e.message)}`);
      return;
    }
    const content = doc.toJS() as unknown;
    // An empty document (comments only, a trailing ---) is not a resource.
    if (content === null || content === undefined) return;
    result.documents.push({ file, index: i + 1, content });
  });
  return result;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function describeFsError(err: unknown): string {
  const code = errorField(err, 'code');
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return errorMessage(err);
}
