import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { haproxyModel } from './arbitraries.js';
import { renderHaproxy } from './render.js';

const RUNS = 300;

/** Every keyword the renderer may start a line with: anything else is a bug (or an injection). */
const KEYWORDS = new Set([
  'global',
  'defaults',
  'frontend',
  'backend',
  'stats',
  'user',
  'group',
  'tune.ssl.default-dh-param',
  'timeout',
  'mode',
  'bind',
  'option',
  'http-request',
  'acl',
  'use_backend',
  'default_backend',
  'balance',
  'server',
]);

const SECTIONS = new Set(['global', 'defaults', 'frontend', 'backend']);

function lines(cfg: string): string[] {
  return cfg.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

describe('renderHaproxy properties', () => {
  it('writes only allowlisted keywords; sections at column 0, directives indented', () => {
    fc.assert(
      fc.property(haproxyModel(), (model) => {
        for (const line of lines(renderHaproxy(model)[0]!.content)) {
          const keyword = line.trim().split(' ')[0]!;
          expect(KEYWORDS).toContain(keyword);
          expect(SECTIONS.has(keyword)).toBe(!line.startsWith(' '));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('has one TLS listener per frontend on its certificate, and a redirect listener exactly when asked', () => {
    fc.assert(
      fc.property(haproxyModel(), (model) => {
        const cfg = renderHaproxy(model)[0]!.content;
        for (const f of model.frontends) {
          const https = `\n    bind ${f.address ?? '0.0.0.0'}:${f.httpsPort} ssl crt ${f.certificateFile} `;
          expect(cfg.split(https)).toHaveLength(2);
          expect(cfg.includes(`\nfrontend ${f.id}_http\n`)).toBe(f.redirectPort !== undefined);
        }
        expect(cfg.match(/ ssl crt /g) ?? []).toHaveLength(model.frontends.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('every backend a frontend uses is defined, and every server line is one of the model', () => {
    fc.assert(
      fc.property(haproxyModel(), (model) => {
        const cfg = lines(renderHaproxy(model)[0]!.content).map((l) => l.trim());
        const defined = new Set(cfg.filter((l) => l.startsWith('backend ')).map((l) => l.split(' ')[1]));
        const used = cfg
          .filter((l) => l.startsWith('use_backend ') || l.startsWith('default_backend '))
          .map((l) => l.split(' ')[1]);
        for (const b of used) expect(defined).toContain(b);
        const servers = model.frontends.flatMap((f) => [...f.defaultServers, ...f.routes.flatMap((r) => r.servers)]);
        const serverLines = cfg.filter((l) => l.startsWith('server '));
        expect(serverLines).toHaveLength(servers.length);
        for (const l of serverLines) expect(servers.map((s) => `${s.address}:${s.port}`)).toContain(l.split(' ')[2]);
      }),
      { numRuns: RUNS },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(haproxyModel(), (model) => {
        expect(renderHaproxy(model)).toEqual(renderHaproxy(structuredClone(model)));
      }),
      { numRuns: 50 },
    );
  });
});
