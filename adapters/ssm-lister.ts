import { paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import type { ParameterLister, StoredParameter } from '../runtime/desired-source.js';

/** All parameters under a path, every page, decrypted (specs may be SecureStrings: callers never log values). */
export function createSsmLister(client: SSMClient): ParameterLister {
  return async (path, signal): Promise<StoredParameter[]> => {
    const out: StoredParameter[] = [];
    const pages = paginateGetParametersByPath(
      { client, pageSize: 10 },
      { Path: path, Recursive: true, WithDecryption: true },
      { abortSignal: signal },
    );
    for await (const page of pages) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      for (const p of page.Parameters ?? []) {
        if (p.Name && p.Version !== undefined && p.Value !== undefined)
          out.push({
            name: p.Name,
            version: p.Version,
            value: p.Value,
            ...(p.LastModifiedDate ? { modifiedAt: p.LastModifiedDate.toISOString() } : {}),
          });
      }
    }
    return out;
  };
}
