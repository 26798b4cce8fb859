import { describe, it, expect } from '@jest/globals';
import { schemas } from './index.js';
describe('schemas', () => {
  it('loads', () => {
    expect(Object.keys(schemas)).toContain('source-nat.schema.json');
  });
});
