import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseHtpasswd } from './htpasswd.js';

// Real hashes of the password below, made on Debian 12 with `openssl passwd -apr1|-1|-5|-6 'Tr0ub4dor&3-fixture'`;
// the sha256 one with rounds through crypt(3) (libxcrypt). The bcrypt ones are of another password (`htpasswd -nbB`
// of "pw1"): parsing checks a hash's form, never what it hashes.
const PASSWORD = 'Tr0ub4dor&3-fixture';
const HASHES = {
  apr1: '$apr1$SHl.ENED$uuIQY3WVRIdgXI3WR1m.q.',
  md5: '$1$uQWyFoZJ$1mZk7K3QxJ.ds0AwcQA5y1',
  bcrypt2y: '$2y$05$FvMjBXZ.orKXHoKjcsKsJOQHSG1nlyVNaE0/G1yTN7Jwp0VBSpY9y',
  bcrypt2b: '$2b$05$FvMjBXZ.orKXHoKjcsKsJOQHSG1nlyVNaE0/G1yTN7Jwp0VBSpY9y',
  sha256: '$5$XsWHKXd2LNn1eFzi$7CT8jHp90ntpTLbE65gk6ox7hxaYMNCxvNTz.aQr.m4',
  sha256Rounds: '$5$rounds=6000$abcdefgh$Y.CSLrt91za2OwP58qbjdnsa8fL0ylo28BfRMLxfYQB',
  sha512: '$6$3jjBdNAcPNCx2sjM$uyBe1w4xAknoBGMbmw7mPn/LdiKnWV4YfKZ2b1aYbtiwIQulEOAgNvkP46cNx65P.CKfXu9MqSfbPjpIO/t5t.',
};
/** The same password as DES crypt (crypt(3) with salt "ab") and as {SHA} (htpasswd -s): both refused. */
const DES = 'abWL7Sj501Z46';
const SHA = '{SHA}2o+BykVv14MZx+zHsrnqsru4qmk=';

/** Errors must never carry a hash, a piece of one, or a password. */
function expectNoSecret(errors: readonly string[], secrets: readonly string[]): void {
  for (const error of errors) {
    for (const secret of [PASSWORD, ...secrets]) {
      expect(error).not.toContain(secret);
      if (secret.length > 12) expect(error).not.toContain(secret.slice(-12));
    }
    expect(error).not.toMatch(/[\r\n]/);
  }
}

function errorsOf(text: string): string[] {
  const result = parseHtpasswd(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused`);
  return result.errors;
}

describe('parseHtpasswd', () => {
  it.each(Object.entries(HASHES))('accepts a %s hash', (_, hash) => {
    expect(parseHtpasswd(`alice:${hash}\n`)).toEqual({ ok: true, users: [{ name: 'alice', hash }] });
  });

  it('reads every user in order, skipping blank lines and comments, with CRLF or LF line ends', () => {
    const text = [
      '# proxy users',
      '',
      `alice:${HASHES.apr1}`,
      '   ',
      `bob.smith@corp:${HASHES.sha512}`,
      '#carol:disabled',
      `d_2-x:${HASHES.bcrypt2y}`,
      '',
    ].join('\r\n');
    expect(parseHtpasswd(text)).toEqual({
      ok: true,
      users: [
        { name: 'alice', hash: HASHES.apr1 },
        { name: 'bob.smith@corp', hash: HASHES.sha512 },
        { name: 'd_2-x', hash: HASHES.bcrypt2y },
      ],
    });
    expect(parseHtpasswd(text.replace(/\r\n/g, '\n'))).toEqual(parseHtpasswd(text));
  });

  it('accepts a file without a final newline', () => {
    expect(parseHtpasswd(`alice:${HASHES.md5}`)).toEqual({ ok: true, users: [{ name: 'alice', hash: HASHES.md5 }] });
  });

  it('never keeps a carriage return in a hash', () => {
    const result = parseHtpasswd(`alice:${HASHES.sha256}\r\nbob:${HASHES.apr1}\r\n`);
    expect(result.ok && result.users.map((u) => u.hash)).toEqual([HASHES.sha256, HASHES.apr1]);
  });

  it.each([
    ['empty input', ''],
    ['only blank lines', '\n\r\n  \n'],
    ['only comments', '# nobody\n#here\n'],
  ])('refuses %s: no users', (_, text) => {
    expect(parseHtpasswd(text)).toEqual({ ok: false, errors: ['no users'] });
  });

  it.each([
    ['DES crypt', `alice:${DES}`, DES],
    ['{SHA}', `alice:${SHA}`, SHA],
    ['a plain password', `alice:${PASSWORD}`, PASSWORD],
    ['an unknown scheme', `alice:$7$${HASHES.sha512.slice(3)}`, HASHES.sha512.slice(3)],
    ['argon2', `alice:$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo`, 'c2FsdHNhbHQ$aGFzaGhhc2hoYXNo'],
    ['a truncated hash', `alice:$apr1$SHl`, '$apr1$SHl'],
    ['an empty hash', 'alice:', ''],
    ['a hash with a trailing space', `alice:${HASHES.apr1} `, HASHES.apr1],
    ['a hash with a space inside', `alice:${HASHES.apr1.slice(0, 14)} ${HASHES.apr1.slice(14)}`, HASHES.apr1],
    ['a hash of another line appended', `alice:${HASHES.apr1}:${HASHES.md5}`, HASHES.md5],
  ])('refuses %s, naming the line but not the hash', (_, line, secret) => {
    const errors = errorsOf(`# users\n${line}\n`);
    expect(errors).toEqual([expect.stringMatching(/^line 2: the hash of alice is not /)]);
    expectNoSecret(
      errors,
      [secret, HASHES.apr1, HASHES.md5].filter((s) => s.length > 3),
    );
  });

  it.each([
    ['a space in the user name', `al ice:${HASHES.apr1}`],
    ['a leading space', ` alice:${HASHES.apr1}`],
    ['a tab', `alice\t:${HASHES.apr1}`],
    ['an empty user name', `:${HASHES.apr1}`],
    ['a user name starting with a dot', `.alice:${HASHES.apr1}`],
    ['a quote', `"alice":${HASHES.apr1}`],
    ['a non-ASCII user name', `älice:${HASHES.apr1}`],
    ['a user name of 65 characters', `${'a'.repeat(65)}:${HASHES.apr1}`],
    ['no colon (a bare password)', PASSWORD],
    ['no colon (a bare hash)', HASHES.sha512],
    ['a comment not in the first column', ` # ${PASSWORD}`],
  ])('refuses %s, naming the line only', (_, line) => {
    const errors = errorsOf(`alice2:${HASHES.md5}\n\n${line}`);
    expect(errors).toEqual(['line 3: expected user:hash with a user name of letters, digits and . _ @ -']);
    expectNoSecret(errors, Object.values(HASHES));
  });

  it('refuses a user name with a colon: what follows the first colon is not a hash', () => {
    const errors = errorsOf(`ali:ce:${HASHES.apr1}`);
    expect(errors).toEqual([expect.stringMatching(/^line 1: the hash of ali is not /)]);
    expectNoSecret(errors, [HASHES.apr1]);
  });

  it('refuses a user name broken by a newline: the first half has no colon', () => {
    const errors = errorsOf(`ali\nce:${HASHES.apr1}\nbob:${HASHES.md5}`);
    expect(errors).toEqual([expect.stringMatching(/^line 1: expected user:hash/)]);
  });

  it('refuses a user listed twice, naming the second line', () => {
    const errors = errorsOf(`alice:${HASHES.apr1}\nbob:${HASHES.md5}\r\nalice:${HASHES.sha256}\n`);
    expect(errors).toEqual(['line 3: user alice appears twice']);
    expectNoSecret(errors, Object.values(HASHES));
  });

  it('treats user names case-sensitively (basic_ncsa_auth does)', () => {
    const result = parseHtpasswd(`alice:${HASHES.apr1}\nAlice:${HASHES.md5}`);
    expect(result.ok && result.users.map((u) => u.name)).toEqual(['alice', 'Alice']);
  });

  it('reports every bad line, each with its own number, and no users with them', () => {
    const text = [`alice:${HASHES.apr1}`, `bob:${DES}`, '#', 'carol', `alice:${HASHES.md5}`, `d:${SHA}`].join('\n');
    const errors = errorsOf(text);
    expect(errors.map((e) => /^line (\d+):/.exec(e)?.[1])).toEqual(['2', '4', '5', '6']);
    expectNoSecret(errors, [DES, SHA, ...Object.values(HASHES)]);
  });

  it('never puts any part of a refused line after the user name into an error', () => {
    const secretPart = fc.stringMatching(/^[!-~]{16,40}$/).filter((s) => !s.startsWith('$'));
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), secretPart, (user, secret) => {
        const errors = errorsOf(`${user}:${secret}\n`);
        for (const error of errors) {
          expect(error).not.toContain(secret);
          expect(error).not.toContain(secret.slice(1));
        }
      }),
    );
  });
});
