import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AiGatewayConfig } from './config.js';
import { checkConfig } from './config-schema.js';

export type Loaded = { ok: true; config: AiGatewayConfig; hash: string } | { ok: false; errors: string[] };

/** Reads and checks the config file; its hash names the revision in status. */
export async function loadConfig(path: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`cannot read ${path}: ${(err as Error).message}`] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [`${path} is not JSON: ${(err as Error).message}`] };
  }
  const checked = checkConfig(raw);
  if (!checked.ok) return checked;
  return { ok: true, config: checked.config, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}
