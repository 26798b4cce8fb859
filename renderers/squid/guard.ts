import type { SquidModel } from './model.js';

// Defence in depth: the model is built from validated specs only, but a future caller that skips validation must not
// be able to smuggle a directive into squid.conf or a line into a side file. Squid reads a value up to the next
// whitespace, ends a line at `#`, quotes with `"` and expands `${...}` macros, so none of these may pass.
const CONF_TOKEN_BAD = /[\s#"$\p{Cc}]/u;
/** The realm is the rest of its line: spaces are fine there (the spec allows them), nothing else is. */
const REALM_BAD = /[^\S ]|[#"$\p{Cc}]/u;
/** htpasswd lines are `name:hash`: a colon would move the split. `$` is fine: crypt hashes are full of it. */
const HTPASSWD_BAD = /[\s#":\p{Cc}]/u;

interface Checked {
  field: string;
  value: string;
  bad: RegExp;
}

/** Throws naming the first field that squid.conf or a side file cannot carry safely. */
export function assertRenderable(model: SquidModel): void {
  for (const { field, value, bad } of checkedStrings(model)) {
    if (value.length === 0 || bad.test(value))
      throw new Error(
        `squid model: ${field} ${JSON.stringify(value)} is empty or holds a character squid cannot carry`,
      );
  }
  for (const [field, value] of checkedNumbers(model)) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`squid model: ${field} ${String(value)} is not a non-negative integer`);
  }
}

function checkedStrings(model: SquidModel): Checked[] {
  const token = (field: string, value: string): Checked => ({ field, value, bad: CONF_TOKEN_BAD });
  const { paths, listen, auth, domains } = model;
  return [
    ...Object.entries(paths).map(([k, v]) => token(`paths.${k}`, v)),
    token('user', model.user),
    ...(listen.address !== undefined ? [token('listen.address', listen.address)] : []),
    ...model.clientCidrs.map((c, i) => token(`clientCidrs[${i}]`, c)),
    ...[...domains.deny, ...(domains.allow ?? [])].map((p) => token('domain', p.domain)),
    ...(auth
      ? [
          { field: 'auth.realm', value: auth.realm, bad: REALM_BAD },
          ...auth.users.flatMap((u, i) => [
            { field: `auth.users[${i}].name`, value: u.name, bad: HTPASSWD_BAD },
            { field: `auth.users[${i}].hash`, value: u.hash, bad: HTPASSWD_BAD },
          ]),
        ]
      : []),
  ];
}

function checkedNumbers(model: SquidModel): [string, number][] {
  const ranges = (name: string, list: SquidModel['safePorts']): [string, number][] =>
    list.flatMap((r, i) => [
      [`${name}[${i}].first`, r.first],
      [`${name}[${i}].last`, r.last],
    ]);
  return [
    ['listen.port', model.listen.port],
    ...ranges('safePorts', model.safePorts),
    ...ranges('connectPorts', model.connectPorts),
    ...Object.entries(model.cache ?? {}).map(([k, v]): [string, number] => [`cache.${k}`, v]),
    ...Object.entries(model.bandwidth ?? {}).map(([k, v]): [string, number] => [`bandwidth.${k}`, v]),
  ];
}
