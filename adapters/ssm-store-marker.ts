import { randomUUID } from 'node:crypto';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { MarkerCreator } from '../runtime/store-guard.js';
import { markerDocument, parseMarker, type StoreMarker } from '../runtime/store-identity.js';

/**
 * Creates the store's identity marker without Overwrite: of a fleet booting at once exactly one instance creates
 * it, and every other one reads the marker that won.
 */
export function createSsmMarkerCreator(client: SSMClient, name: string, clock: () => Date): MarkerCreator {
  return async (createdBy, signal) => {
    const value = markerDocument(randomUUID(), createdBy, clock());
    try {
      await client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: false }), {
        abortSignal: signal,
      });
      return parseMarker(value)!;
    } catch (err) {
      if ((err as Error).name !== 'ParameterAlreadyExists') throw err;
      return readExisting(client, name, signal);
    }
  };
}

/** The marker a store holds, if it holds a valid one. */
export async function readSsmMarker(
  client: SSMClient,
  name: string,
  signal?: AbortSignal,
): Promise<StoreMarker | undefined> {
  try {
    const out = await client.send(new GetParameterCommand({ Name: name }), signal ? { abortSignal: signal } : {});
    return parseMarker(out.Parameter?.Value);
  } catch (err) {
    if ((err as Error).name === 'ParameterNotFound') return undefined;
    throw err;
  }
}

async function readExisting(client: SSMClient, name: string, signal: AbortSignal): Promise<StoreMarker> {
  const marker = await readSsmMarker(client, name, signal);
  if (!marker) throw new Error(`${name} exists but is not a store identity marker; fix or delete it`);
  return marker;
}
