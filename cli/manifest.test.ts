import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests, parseManifestText } from './manifest.js';
import { checkManifests } from './resource-document.js';

const GOOD_YAML = `kind: SourceNat
name: default
spec:
  enable: true
  egressInterface: eth0
`;

describe('parseManifestText', () => {
  it('reads every document of a multi-document YAML and skips empty ones', () => {
    const text = `# leading comment\n---\n${GOOD_YAML}---\nkind: SourceNat\nmetadata: {name: default}\nspec: {}\n---\n`;
    const result = parseManifestText('m.yaml', text);
    expect(result.errors).toEqual([]);
    expect(result.documents.map((d) => d.index)).toEqual([1, 2]);
    expect(result.documents[0]?.content).toEqual({
      kind: 'SourceNat',
      name: 'default',
      spec: { enable: true, egressInterface: 'eth0' },
    });
    // Documents keep their position in the file even when an empty one comes first.
    expect(parseManifestText('m.yml', `---\n# nothing here\n---\n${GOOD_YAML}`).documents.map((d) => d.index)).toEqual([
      2,
    ]);
  });

  it('reads JSON, one document or an array of them', () => {
    expect(parseManifestText('a.json', '{"kind":"SourceNat","name":"default","spec":{}}').documents).toHaveLength(1);
    expect(parseManifestText('a.json', '[{"kind":"A"},{"kind":"B"}]').documents.map((d) => d.index)).toEqual([1, 2]);
  });

  it('reports syntax errors with the file and document', () => {
    expect(parseManifestText('bad.json', '{"kind":').errors[0]).toMatch(/^bad\.json: invalid JSON: /);
    const yaml = parseManifestText('bad.yaml', `${GOOD_YAML}---\nkind: [unclosed\n`);
    expect(yaml.errors).toHaveLength(1);
    expect(yaml.errors[0]).toMatch(/^bad\.yaml: document 2: invalid YAML: /);
    expect(parseManifestText('dup.yaml', 'kind: A\nkind: B\n').errors[0]).toMatch(
      /^dup\.yaml: document 1: invalid YAML: .*[Uu]nique/,
    );
  });
});

describe('loadManifests', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csgw-manifest-'));
    await mkdir(join(dir, 'set'));
    await mkdir(join(dir, 'empty'));
    await writeFile(join(dir, 'set', 'b.yml'), GOOD_YAML);
    await writeFile(join(dir, 'set', 'a.json'), '{"kind":"SourceNat","name":"default","spec":{}}');
    await writeFile(join(dir, 'set', 'notes.txt'), 'not a manifest');
    await writeFile(join(dir, 'set', 'c.YAML'), 'kind: SourceNat\n');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('expands a directory to its manifest files in name order', async () => {
    const result = await loadManifests([join(dir, 'set')]);
    expect(result.errors).toEqual([]);
    expect(result.documents.map((d) => d.file)).toEqual(['a.json', 'b.yml', 'c.YAML'].map((f) => join(dir, 'set', f)));
  });

  it('reports missing paths and directories without manifests', async () => {
    const result = await loadManifests([join(dir, 'nope.yaml'), join(dir, 'empty')]);
    expect(result.errors).toEqual([
      `${join(dir, 'nope.yaml')}: no such file or directory`,
      expect.stringContaining('directory has no *.yaml') as unknown,
    ]);
  });
});

describe('checkManifests', () => {
  const doc = (content: unknown, index = 1): { file: string; index: number; content: unknown } => ({
    file: 'f.yaml',
    index,
    content,
  });

  it('accepts {kind, name, spec} and metadata.name, keeping the spec as written', () => {
    const result = checkManifests(
      [doc({ kind: 'snat', metadata: { name: 'default' }, spec: { mode: 'masquerade' } })],
      { validateSpecs: true },
    );
    expect(result.errors).toEqual([]);
    expect(result.resources[0]).toMatchObject({ name: 'default', spec: { mode: 'masquerade' } });
    expect(result.resources[0]?.kind.kind).toBe('SourceNat');
  });

  it('reports every problem of every document, labelled <file>: <Kind>/<name>', () => {
    const result = checkManifests(
      [
        doc({ kind: 'Nope', name: 'x', spec: {} }, 1),
        doc({ kind: 'SourceNat', name: 'other', spec: {} }, 2),
        doc({ kind: 'SourceNat', name: 'default', spec: { egressInterface: 'eth0"; flush ruleset' } }, 3),
        doc({ name: 'default' }, 4),
        doc('just a string', 5),
        doc({ kind: 'SourceNat', name: 'bad/name', spec: {}, extra: 1 }, 6),
      ],
      { validateSpecs: true },
    );
    expect(result.resources).toEqual([]);
    expect(result.errors).toEqual([
      expect.stringMatching(/^f\.yaml: Nope\/x: unknown kind "Nope" \(known kinds: SourceNat/),
      'f.yaml: SourceNat/other: name must be "default": there is one SourceNat per gateway',
      expect.stringMatching(/^f\.yaml: SourceNat\/default: spec\.egressInterface: /),
      'f.yaml: document 4: kind is required',
      'f.yaml: document 5: must be a mapping with kind, name and spec',
      expect.stringMatching(/^f\.yaml: SourceNat\/bad\/name: unknown field "extra"/),
      expect.stringMatching(/^f\.yaml: SourceNat\/bad\/name: invalid name "bad\/name"/),
    ]);
  });

  it('rejects a resource defined twice and a missing spec', () => {
    const twice = checkManifests(
      [doc({ kind: 'SourceNat', name: 'default', spec: {} }, 1), doc({ kind: 'snat', name: 'default', spec: {} }, 2)],
      {
        validateSpecs: true,
      },
    );
    expect(twice.errors).toEqual(['f.yaml: SourceNat/default: defined twice (also f.yaml document 1)']);
    expect(checkManifests([doc({ kind: 'SourceNat', name: 'default' })], { validateSpecs: true }).errors).toEqual([
      'f.yaml: SourceNat/default: spec is required',
    ]);
  });

  it('ignores the spec when only identities are needed (delete -f)', () => {
    const result = checkManifests([doc({ kind: 'SourceNat', name: 'default', spec: { mode: 'bogus' } })], {
      validateSpecs: false,
    });
    expect(result.errors).toEqual([]);
    expect(result.resources).toHaveLength(1);
  });
});
