import { describe, expect, it } from '@jest/globals';
import { fileBucket, summarizeProfile, type CpuProfile } from './cpu-profile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('fileBucket', () => {
  it('names a package by its directory under node_modules, scoped ones with their scope', () => {
    expect(fileBucket('file:///w/node_modules/ajv/dist/core.js', 'f')).toBe('ajv');
    expect(fileBucket('file:///w/node_modules/@hono/node-server/dist/index.mjs', 'f')).toBe('@hono/node-server');
  });

  it('names project files from dist/, and native frames by their function', () => {
    expect(fileBucket('file:///w/dist/ai-gateway/server/chat.js', 'f')).toBe('ai-gateway/server/chat.js');
    expect(fileBucket('node:_http_server', 'f')).toBe('node:_http_server');
    expect(fileBucket('', '(garbage collector)')).toBe('(garbage collector)');
    expect(fileBucket('', 'writeBuffer')).toBe('(writeBuffer)');
  });
});

describe('summarizeProfile', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('handle', 'file:///w/dist/ai-gateway/server/gateway.js', 9) },
      { id: 4, callFrame: frame('validate', 'file:///w/node_modules/ajv/dist/core.js', 1) },
      { id: 5, callFrame: frame('compile', 'file:///w/node_modules/ajv/dist/core.js', 7) },
    ],
    // Self time goes to the sampled node: 3 x 1 ms gateway, 2 + 1 ms ajv, 4 ms idle.
    samples: [3, 3, 3, 4, 4, 5, 2, 2],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 2000, 2000],
    startTime: 0,
    endTime: 10_000,
  };

  it('sums self time by file and by function, ranks by size, and gives shares of the busy time', () => {
    const s = summarizeProfile(profile);
    expect(s).toMatchObject({ totalMs: 10, idleMs: 4 });
    expect(s.byFile).toEqual([
      { name: 'ai-gateway/server/gateway.js', ms: 3, percent: 50 },
      { name: 'ajv', ms: 3, percent: 50 },
    ]);
    expect(s.byFunction.map((f) => [f.name, f.ms])).toEqual([
      ['handle ai-gateway/server/gateway.js:10', 3],
      ['validate ajv:2', 2],
      ['compile ajv:8', 1],
    ]);
  });

  it('keeps only the top rows', () => {
    expect(summarizeProfile(profile, 1).byFunction).toHaveLength(1);
  });
});
