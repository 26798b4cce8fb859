// The initial state file of the fake EC2 server: { addresses, routeTables, networkInterfaces }, each optional, in the
// shapes of runtime/aws/ports.ts. Hand-written files may leave out tags, routes and sourceDestCheck (default true).
import { readFile } from 'node:fs/promises';
import type { AddressView, NetworkInterfaceView, RouteTableView } from '../../runtime/aws/ports.js';
import type { Ec2State } from './model.js';

type Item = Record<string, unknown>;

function isItem(value: unknown): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function itemsOf(raw: Item, key: keyof Ec2State, idKey: string): Item[] {
  const list = raw[key] ?? [];
  if (!Array.isArray(list)) throw new Error(`state: ${key} must be an array`);
  return list.map((item: unknown, i) => {
    if (!isItem(item) || typeof item[idKey] !== 'string')
      throw new Error(`state: ${key}[${i}].${idKey} must be a string`);
    if (item['tags'] !== undefined && !isItem(item['tags']))
      throw new Error(`state: ${key}[${i}].tags must be an object`);
    return { ...item, tags: item['tags'] ?? {} };
  });
}

/** Checks the ids and containers the model relies on and fills the defaults; other fields pass as given. */
export function parseState(raw: unknown): Ec2State {
  if (!isItem(raw)) throw new Error('state: must be a JSON object');
  const routeTables = itemsOf(raw, 'routeTables', 'routeTableId').map((t, i) => {
    if (t['routes'] !== undefined && !Array.isArray(t['routes']))
      throw new Error(`state: routeTables[${i}].routes must be an array`);
    return { ...t, routes: t['routes'] ?? [] };
  });
  return {
    addresses: itemsOf(raw, 'addresses', 'allocationId') as unknown as AddressView[],
    routeTables: routeTables as unknown as RouteTableView[],
    networkInterfaces: itemsOf(raw, 'networkInterfaces', 'networkInterfaceId').map((n) => ({
      ...n,
      sourceDestCheck: n['sourceDestCheck'] ?? true,
    })) as unknown as NetworkInterfaceView[],
  };
}

export async function loadState(path: string): Promise<Ec2State> {
  const text = await readFile(path, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`state: ${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseState(raw);
}
