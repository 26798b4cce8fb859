import { parseAllDocuments } from 'yaml';

/**
 * What the lab needs to know of examples/lab/ai-gateway.yaml, read from the manifest itself so that the file a
 * newcomer reads is the only place the lab's keys, stand-in address and models are written.
 */
export interface LabAiInputs {
  /** Where the stand-in for OpenAI must listen: the provider's baseUrl. */
  standIn: { host: string; port: number };
  /** The API key the stand-in demands: the provider's key in its Secret. */
  upstreamKey: string;
  /** The client's gateway key: the first of auth.keys, and its value in the keys Secret. */
  gatewayKey: { id: string; value: string };
  /** The models of the table, in order; the demo chats with the first. */
  models: string[];
  /** The gateway's API port. */
  port: number;
}

type Doc = { kind?: unknown; name?: unknown; spec?: unknown };
type Obj = Record<string, unknown>;

const obj = (value: unknown): Obj =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
const list = (value: unknown): Obj[] => (Array.isArray(value) ? value.map(obj) : []);

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`lab AI manifest: ${what} is missing`);
  return value;
}

function secretValue(docs: readonly Doc[], name: string, key: string): string {
  const secret = docs.find((d) => d.kind === 'Secret' && d.name === name);
  return text(obj(obj(secret?.spec).data)[key], `Secret ${name} key ${key}`);
}

/** The stand-in's address from the provider's baseUrl: it must be plain http on loopback, as only the lab serves it. */
function standInAddress(baseUrl: string): { host: string; port: number } {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1')
    throw new Error(`lab AI manifest: the provider's baseUrl ${baseUrl} is not http://127.0.0.1:<port>/...`);
  return { host: url.hostname, port: Number(url.port || 80) };
}

/** Reads the lab's AI manifest (the Secrets and the AiGateway, as `csgw apply -f` takes them). */
export function labAiInputs(manifest: string): LabAiInputs {
  const docs = parseAllDocuments(manifest).map((d) => obj(d.toJS()) as Doc);
  const spec = obj(docs.find((d) => d.kind === 'AiGateway')?.spec);
  const provider = list(spec.providers)[0];
  if (!provider) throw new Error('lab AI manifest: no AiGateway with a provider');
  const ref = obj(provider.apiKeySecretRef);
  const auth = obj(spec.auth);
  const key = list(auth.keys)[0] ?? {};
  const keyId = text(key.id, 'auth.keys[0].id');
  const secretName = text(obj(auth.secretRef).name, 'auth.secretRef.name');
  const models = list(spec.models).map((m, i) => text(m.name, `models[${i}].name`));
  if (models.length === 0) throw new Error('lab AI manifest: no models');
  const port = obj(spec.listen).port ?? 8090;
  return {
    standIn: standInAddress(text(provider.baseUrl, 'providers[0].baseUrl')),
    upstreamKey: secretValue(docs, text(ref.name, 'providers[0].apiKeySecretRef'), text(ref.key ?? 'apiKey', 'key')),
    gatewayKey: { id: keyId, value: secretValue(docs, secretName, text(key.secretKey ?? keyId, 'secretKey')) },
    models,
    port: typeof port === 'number' ? port : 8090,
  };
}
