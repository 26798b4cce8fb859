import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done): void {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

describe('logger redaction', () => {
  it('censors secret-bearing fields at the top level and one level down, whatever the message', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', stream);
    log.info(
      {
        value: 'spec-secret',
        password: 'hunter2',
        parameter: { Value: 'ssm-secret', apiKey: 'sk-123' },
        user: 'alice',
      },
      'wrote',
    );
    const out = lines.join('');
    for (const secret of ['spec-secret', 'hunter2', 'ssm-secret', 'sk-123']) expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
    expect(out).toContain('alice');
  });

  it('writes pino JSON lines', () => {
    const { lines, stream } = capture();
    createLogger('info', stream).child({ controller: 'SourceNat' }).warn({ reason: 'ApplyFailed' }, 'failed');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 40,
      controller: 'SourceNat',
      reason: 'ApplyFailed',
      msg: 'failed',
    });
  });
});
