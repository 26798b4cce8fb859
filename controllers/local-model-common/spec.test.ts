import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { localModelKind } from '../../crds-equivalent/local-model.js';
import { validateLocalModelSpec } from './spec.js';

const PAGES = ['../../docs/kinds/localmodel.md', '../../docs/ai-gateway-local.md'];

/** Every LocalModel manifest in the yaml blocks of a documentation page. */
function documentedSpecs(page: string): { name: string; spec: unknown }[] {
  const text = readFileSync(new URL(page, import.meta.url), 'utf8');
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) =>
    parseAllDocuments(block)
      .map((d) => d.toJS() as { kind?: unknown; name?: unknown; spec?: unknown } | null)
      .filter((m) => m?.kind === localModelKind.kind)
      .map((m) => ({ name: String(m!.name), spec: m!.spec })),
  );
}

describe('validateLocalModelSpec', () => {
  it('accepts the kind example', () => {
    expect(validateLocalModelSpec(localModelKind.example.spec)).toMatchObject({ ok: true });
  });

  it.each(PAGES)('accepts every LocalModel example of %s', (page) => {
    const specs = documentedSpecs(page);
    expect(specs.length).toBeGreaterThan(0);
    for (const { name, spec } of specs)
      expect([name, validateLocalModelSpec(spec)]).toMatchObject([name, { ok: true }]);
  });
});
