import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { labAiInputs } from './ai-inputs.js';

const EXAMPLE = readFileSync(new URL('../examples/lab/ai-gateway.yaml', import.meta.url), 'utf8');

const manifest = (
  gateway: string,
  secrets = 'kind: Secret\nname: up\nspec: { data: { apiKey: sk-up } }\n---\nkind: Secret\nname: keys\nspec: { data: { k1: key-value-0123456789, other: other-value-012345 } }',
): string => `${secrets}\n---\nkind: AiGateway\nname: default\nspec:\n${gateway}`;

const GATEWAY = `
  providers: [{ name: openai, type: openai, baseUrl: "http://127.0.0.1:9000/v1", apiKeySecretRef: { name: up } }]
  models: [{ name: m1, provider: openai, model: x }, { name: m2, provider: openai, model: y }]
  auth: { mode: keys, secretRef: { name: keys }, keys: [{ id: k1 }, { id: k2, secretKey: other }] }
`;

describe('labAiInputs', () => {
  it('reads the example the lab applies', () => {
    expect(labAiInputs(EXAMPLE)).toEqual({
      standIn: { host: '127.0.0.1', port: 8000 },
      upstreamKey: 'sk-lab-stand-in-not-a-real-key',
      gatewayKey: { id: 'newcomer', value: 'lab-newcomer-key-0123456789abcdef' },
      models: ['gpt-4o', 'gpt-4o-mini'],
      port: 8090,
    });
  });

  it('applies the spec defaults: the Secret key apiKey, the key id as its Secret key, port 8090', () => {
    expect(labAiInputs(manifest(GATEWAY))).toEqual({
      standIn: { host: '127.0.0.1', port: 9000 },
      upstreamKey: 'sk-up',
      gatewayKey: { id: 'k1', value: 'key-value-0123456789' },
      models: ['m1', 'm2'],
      port: 8090,
    });
  });

  it('takes the listen port and a gateway key stored under another Secret key', () => {
    const spec = GATEWAY.replace('keys: [{ id: k1 }, ', 'keys: [').concat('  listen: { port: 18090 }\n');
    expect(labAiInputs(manifest(spec))).toMatchObject({
      gatewayKey: { id: 'k2', value: 'other-value-012345' },
      port: 18090,
    });
  });

  it.each([
    ['no AiGateway', manifest(GATEWAY).replace('kind: AiGateway', 'kind: SourceNat'), 'no AiGateway with a provider'],
    ['a provider not on loopback', manifest(GATEWAY.replace('127.0.0.1', '10.0.0.5')), 'is not http://127.0.0.1'],
    ['an https provider', manifest(GATEWAY.replace('http://', 'https://')), 'is not http://127.0.0.1'],
    ['no baseUrl', manifest(GATEWAY.replace(/baseUrl: "[^"]+", /, '')), 'providers[0].baseUrl is missing'],
    ['a missing provider Secret', manifest(GATEWAY, ''), 'Secret up key apiKey is missing'],
    ['a missing gateway key', manifest(GATEWAY.replace('{ id: k1 }', '{ id: k9 }')), 'Secret keys key k9 is missing'],
    ['no keys', manifest(GATEWAY.replace(/keys: \[.*\] }/, 'keys: [] }')), 'auth.keys[0].id is missing'],
    ['no models', manifest(GATEWAY.replace(/models: .*\n/, '')), 'no models'],
  ])('refuses %s', (_, text, message) => {
    expect(() => labAiInputs(text)).toThrow(message);
  });
});
