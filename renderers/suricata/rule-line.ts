import { GENERATED_SID_MAX, GENERATED_SID_MIN } from './model.js';
import { isIpOrCidr } from './net.js';
import { ADDRESS_VARS, PORT_VARS } from './vars.js';

export type RuleAction = 'alert' | 'pass' | 'drop' | 'reject' | 'rejectsrc' | 'rejectdst' | 'rejectboth';

export interface RuleOption {
  /** Lower-case keyword. */
  keyword: string;
  /** The text after `:`, trimmed, quotes and escapes as written; undefined for a bare keyword (`nocase;`). */
  value?: string;
}

export interface ParsedRule {
  action: RuleAction;
  protocol: string;
  sid: number;
  rev?: number;
  /** The msg text, quotes removed and escapes resolved. */
  msg: string;
  options: RuleOption[];
}

export type RuleLineResult = { ok: true; rule: ParsedRule } | { ok: false; error: string };

/** Suricata reads a rule file line into an 8 KiB buffer: a longer rule is cut, and its tail read as another line. */
export const MAX_RULE_LINE = 8192;

const ACTIONS: readonly string[] = ['alert', 'pass', 'drop', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth'];

/** Suricata 7 rule protocols: the decoder-level ones and the app-layer parsers of the Debian build. */
const PROTOCOLS = new Set([
  ...['ip', 'ipv4', 'ip4', 'ipv6', 'ip6', 'tcp', 'udp', 'icmp', 'icmpv4', 'icmpv6', 'sctp', 'pkthdr'],
  ...['tcp-pkt', 'tcp-stream', 'http', 'http1', 'http2', 'tls', 'dns', 'ssh', 'smtp', 'imap', 'ftp', 'ftp-data'],
  ...['smb', 'dcerpc', 'dhcp', 'dnp3', 'enip', 'modbus', 'nfs', 'ntp', 'rdp', 'rfb', 'sip', 'snmp', 'tftp', 'ike'],
  ...['krb5', 'mqtt', 'pgsql', 'quic', 'telnet', 'bittorrent-dht'],
]);

/**
 * Keywords refused in user rules: they run code (lua), write files (filestore, tls.store, dataset/datarep with
 * save/state), read files the spec does not ship (dataset load, iprep categories) or depend on them.
 */
const REFUSED_KEYWORDS: Readonly<Record<string, string>> = {
  lua: 'runs a Lua script',
  luajit: 'runs a Lua script',
  luaxform: 'runs a Lua script',
  filestore: 'writes files to disk',
  'tls.store': 'writes certificates to disk',
  tls_store: 'writes certificates to disk',
  dataset: 'reads and writes data files',
  datarep: 'reads and writes data files',
  iprep: 'needs reputation files csgw does not render',
  filemd5: 'reads a hash list file csgw does not render',
  filesha1: 'reads a hash list file csgw does not render',
  filesha256: 'reads a hash list file csgw does not render',
};

const KEYWORD = /[a-z0-9_.-]+/iy;
const MAX_LIST_DEPTH = 8;
const UINT32_MAX = 4_294_967_295;

class RuleError extends Error {}

/** JSON quoting, plus the characters JSON leaves raw (DEL, C1 controls, line separators): errors stay one line. */
export function quoted(text: string): string {
  return JSON.stringify(text).replace(
    /[\p{Cc}\u2028\u2029]/gu,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function fail(message: string): never {
  throw new RuleError(message);
}

/** Checks one rule line as a user writes it (spec.rules, a RuleSet line) and returns what it says. */
export function validateRuleLine(text: string): RuleLineResult {
  try {
    return { ok: true, rule: parseRuleLine(text) };
  } catch (e) {
    if (e instanceof RuleError) return { ok: false, error: e.message };
    throw e;
  }
}

function parseRuleLine(text: string): ParsedRule {
  checkLine(text);
  const line = text.trim();
  const action = line.split(' ', 1)[0] ?? '';
  if (!ACTIONS.includes(action))
    fail(`unknown action ${quoted(action.slice(0, 40))}: expected one of ${ACTIONS.join(', ')}`);
  const open = line.indexOf('(');
  if (open < 0) fail('no option body: a rule ends with "(msg:...; sid:...;)"');
  if (!line.endsWith(')')) fail('the rule must end with ")" and nothing may follow it');
  const protocol = checkHeader(line.slice(0, open));
  const options = parseOptions(line.slice(open + 1, -1));
  return { action: action as RuleAction, protocol, ...requiredOptions(options), options };
}

function checkLine(text: string): void {
  if (text.length > MAX_RULE_LINE) fail(`the rule is longer than ${MAX_RULE_LINE} characters`);
  // Tabs too: a rule is one line of plain spaces, and a control character could split or hide a line.
  const control = /[\p{Cc}\u2028\u2029]/u.exec(text);
  if (control) fail(`control character ${quoted(control[0])} in the rule: a rule is one line`);
  if (text.trim().startsWith('#')) fail('a comment is not a rule');
}

/** `action proto src sport dir dst dport`; returns the protocol. */
function checkHeader(header: string): string {
  const fields = header.trim().split(/ +/);
  if (fields.length !== 7)
    fail(`the header has ${fields.length} fields, expected 7: action protocol source port direction destination port`);
  const [, protocol = '', src = '', sport = '', dir = '', dst = '', dport = ''] = fields;
  if (!PROTOCOLS.has(protocol.toLowerCase())) fail(`unknown protocol ${quoted(protocol)}`);
  if (dir !== '->' && dir !== '<>') fail(`direction ${quoted(dir)} is not "->" or "<>"`);
  checkList(src, 'source', checkAddress);
  checkList(dst, 'destination', checkAddress);
  checkList(sport, 'source port', checkPort);
  checkList(dport, 'destination port', checkPort);
  return protocol.toLowerCase();
}

/** A value, `!value` or a `[list, ...]` of them (nested), each item checked by `item`. */
function checkList(text: string, what: string, item: (t: string) => boolean, depth = 0): void {
  if (depth > MAX_LIST_DEPTH) fail(`the ${what} nests lists deeper than ${MAX_LIST_DEPTH}`);
  const value = text.startsWith('!') ? text.slice(1) : text;
  if (value.startsWith('[') && value.endsWith(']')) {
    for (const part of splitTopLevel(value.slice(1, -1), what)) checkList(part, what, item, depth + 1);
    return;
  }
  if (value.length === 0 || !item(value)) fail(`the ${what} ${quoted(text)} is not valid`);
}

function splitTopLevel(inner: string, what: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '[') depth++;
    if (ch === ']' && --depth < 0) fail(`unbalanced "]" in the ${what}`);
    if (ch === ',' && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) fail(`unbalanced "[" in the ${what}`);
  return [...parts, inner.slice(start)];
}

function checkAddress(value: string): boolean {
  if (value === 'any') return true;
  if (value.startsWith('$')) return Object.hasOwn(ADDRESS_VARS, value.slice(1));
  return isIpOrCidr(value);
}

function checkPort(value: string): boolean {
  if (value === 'any') return true;
  if (value.startsWith('$')) return Object.hasOwn(PORT_VARS, value.slice(1));
  const range = /^(\d{1,5})?:(\d{1,5})?$/.exec(value);
  if (!range) return /^\d{1,5}$/.test(value) && Number(value) <= 65535;
  const [, a, b] = range;
  if (a === undefined && b === undefined) return false;
  const low = Number(a ?? 0);
  const high = Number(b ?? 65535);
  return low <= high && high <= 65535;
}

/** `keyword;` and `keyword:value;` pairs up to the closing `)`, which the caller has cut off. */
function parseOptions(body: string): RuleOption[] {
  const options: RuleOption[] = [];
  let i = skipSpaces(body, 0);
  while (i < body.length) {
    KEYWORD.lastIndex = i;
    const keyword = KEYWORD.exec(body)?.[0];
    if (keyword === undefined)
      fail(`${quoted(body.slice(i, i + 20))} where an option keyword belongs (was a ";" or ")" early?)`);
    i = skipSpaces(body, i + keyword.length);
    if (body[i] === ';') {
      options.push({ keyword: keyword.toLowerCase() });
    } else if (body[i] === ':') {
      const end = valueEnd(body, i + 1, keyword);
      options.push({ keyword: keyword.toLowerCase(), value: body.slice(i + 1, end).trim() });
      i = end;
    } else {
      fail(`option ${quoted(keyword)} is not terminated by ";"`);
    }
    i = skipSpaces(body, i + 1);
  }
  for (const { keyword } of options) {
    const why = REFUSED_KEYWORDS[keyword];
    if (why !== undefined) fail(`keyword ${quoted(keyword)} is not allowed: it ${why}`);
  }
  return options;
}

/**
 * Where a value ends: at the first `;` no backslash escapes, as Suricata's own parser reads it (quotes do not
 * protect a `;`, so one inside quotes is refused rather than left to cut the value short).
 */
function valueEnd(body: string, start: number, keyword: string): number {
  let inQuotes = false;
  for (let j = start; j < body.length; j++) {
    const ch = body[j];
    if (ch === '\\') {
      if (j + 1 >= body.length) fail(`option ${quoted(keyword)} ends with a lone backslash`);
      j++;
    } else if (ch === '"') {
      inQuotes = !inQuotes;
    } else if (ch === ';') {
      if (inQuotes) fail(`unbalanced quote or unescaped ";" in the value of ${quoted(keyword)} (write \\;)`);
      return j;
    } else if (ch === '#' && !inQuotes) {
      fail(`"#" outside quotes in the value of ${quoted(keyword)}`);
    }
  }
  fail(
    inQuotes
      ? `unbalanced quote in the value of ${quoted(keyword)}`
      : `option ${quoted(keyword)} is not terminated by ";"`,
  );
}

function skipSpaces(text: string, i: number): number {
  while (text[i] === ' ') i++;
  return i;
}

function requiredOptions(options: readonly RuleOption[]): Pick<ParsedRule, 'sid' | 'rev' | 'msg'> {
  const sid = single(options, 'sid');
  const msg = single(options, 'msg');
  const rev = single(options, 'rev');
  if (sid === undefined) fail('the rule has no sid');
  if (msg === undefined) fail('the rule has no msg');
  const sidNumber = positiveInt(sid, 'sid');
  if (sidNumber >= GENERATED_SID_MIN && sidNumber <= GENERATED_SID_MAX)
    fail(`sid ${sidNumber} is reserved for generated rules (${GENERATED_SID_MIN}..${GENERATED_SID_MAX})`);
  const text = /^"((?:[^"\\]|\\.)*)"$/.exec(msg)?.[1];
  if (text === undefined) fail(`msg ${quoted(msg)} is not one quoted string`);
  return {
    sid: sidNumber,
    msg: text.replace(/\\(.)/g, '$1'),
    ...(rev !== undefined ? { rev: positiveInt(rev, 'rev') } : {}),
  };
}

function single(options: readonly RuleOption[], keyword: string): string | undefined {
  const found = options.filter((o) => o.keyword === keyword);
  if (found.length > 1) fail(`the rule has ${found.length} ${keyword} options`);
  if (found.length === 1 && found[0]!.value === undefined) fail(`${keyword} needs a value`);
  return found[0]?.value;
}

function positiveInt(value: string, keyword: string): number {
  const n = Number(value);
  if (!/^[1-9]\d{0,9}$/.test(value) || n > UINT32_MAX)
    fail(`${keyword} ${quoted(value)} is not an integer from 1 to ${UINT32_MAX}`);
  return n;
}
