import { describe, expect, it } from '@jest/globals';
import { GENERATED_SID_MAX, GENERATED_SID_MIN } from './model.js';
import { MAX_RULE_LINE, validateRuleLine, type ParsedRule } from './rule-line.js';

function parsed(text: string): ParsedRule {
  const result = validateRuleLine(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to be valid: ${result.error}`);
  return result.rule;
}

function error(text: string): string {
  const result = validateRuleLine(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused`);
  return result.error;
}

const rule = (header: string, options = 'msg:"x"; sid:1;'): string => `${header} (${options})`;

describe('validateRuleLine accepts', () => {
  it('a typical rule, and says what it holds', () => {
    expect(
      parsed(
        'drop http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"bad \\"agent\\" \\; here"; flow:to_server,established; ' +
          'http.user_agent; content:"curl/"; nocase; startswith; classtype:policy-violation; sid:1000001; rev:3;)',
      ),
    ).toEqual({
      action: 'drop',
      protocol: 'http',
      sid: 1000001,
      rev: 3,
      msg: 'bad "agent" ; here',
      options: [
        { keyword: 'msg', value: '"bad \\"agent\\" \\; here"' },
        { keyword: 'flow', value: 'to_server,established' },
        { keyword: 'http.user_agent' },
        { keyword: 'content', value: '"curl/"' },
        { keyword: 'nocase' },
        { keyword: 'startswith' },
        { keyword: 'classtype', value: 'policy-violation' },
        { keyword: 'sid', value: '1000001' },
        { keyword: 'rev', value: '3' },
      ],
    });
  });

  it.each(['alert', 'pass', 'drop', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth'])('action %s', (action) => {
    expect(parsed(rule(`${action} tcp any any -> any any`)).action).toBe(action);
  });

  it.each([
    'alert ip any any -> any any',
    'alert tls any any <> any 443',
    'alert dns 10.0.0.0/8 any -> 8.8.8.8 53',
    'alert tcp [10.0.0.0/8,!10.1.0.0/16] any -> ![192.168.0.1,fd00::/8] [80,443,8000:8080]',
    'alert tcp [10.0.0.0/8,[!10.1.0.0/16,10.2.0.1]] 1024: -> 2001:db8::1 !22',
    'alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS',
    'alert tcp any :1023 -> ::/0 0',
    'alert http2 any any -> any 65535',
    'alert tcp   any  any  ->  any  any',
  ])('header %s', (header) => {
    expect(parsed(rule(header)).sid).toBe(1);
  });

  it.each([
    ['pcre with backslashes and a semicolon escape', 'pcre:"/a\\d+\\;b/i";'],
    ['a quoted ")" and "("', 'content:"a)b(c";'],
    ['hex content', 'content:"|3b 23|";'],
    ['negated content', 'content:!"x";'],
    ['an escaped backslash before the closing quote', 'content:"a\\\\";'],
    ['spaces around the colon and before ;', 'flow : to_server ;'],
    ['a # inside quotes', 'content:"#x";'],
  ])('%s', (_, option) => {
    expect(parsed(rule('alert tcp any any -> any any', `msg:"x"; ${option} sid:2;`)).sid).toBe(2);
  });

  it('a rule of exactly the maximum length, surrounding spaces, no rev', () => {
    const head = 'alert tcp any any -> any any (msg:"';
    const tail = '"; sid:4294967295;)';
    const line = head + 'a'.repeat(MAX_RULE_LINE - head.length - tail.length) + tail;
    expect(line).toHaveLength(MAX_RULE_LINE);
    expect(parsed(line).rev).toBeUndefined();
    expect(parsed(`  ${rule('alert tcp any any -> any any')}  `).sid).toBe(1);
  });

  it('sids just outside the generated range', () => {
    expect(parsed(rule('alert tcp any any -> any any', `msg:"x"; sid:${GENERATED_SID_MIN - 1};`)).sid).toBe(
      GENERATED_SID_MIN - 1,
    );
    expect(parsed(rule('alert tcp any any -> any any', `msg:"x"; sid:${GENERATED_SID_MAX + 1};`)).sid).toBe(
      GENERATED_SID_MAX + 1,
    );
  });
});

describe('validateRuleLine refuses', () => {
  it.each([
    ['an unknown protocol', 'alert foo any any -> any any', /unknown protocol "foo"/],
    ['a bad direction', 'alert tcp any any <- any any', /direction "<-"/],
    ['a missing field', 'alert tcp any -> any any', /header has 6 fields/],
    ['an unknown variable', 'alert tcp $EVIL any -> any any', /source "\$EVIL"/],
    ['an unknown port variable', 'alert tcp any $HOME_NET -> any any', /source port/],
    ['a bad CIDR', 'alert tcp 10.0.0.0/33 any -> any any', /source "10\.0\.0\.0\/33"/],
    ['a bad IPv4 address', 'alert tcp 10.0.0.256 any -> any any', /source/],
    ['a bad IPv6 address', 'alert tcp any any -> fd00:::1 any', /destination/],
    ['a port out of range', 'alert tcp any any -> any 65536', /destination port/],
    ['a reversed port range', 'alert tcp any any -> any 90:80', /destination port/],
    ['an empty list item', 'alert tcp [10.0.0.1,] any -> any any', /source/],
    ['an unbalanced list', 'alert tcp [10.0.0.1 any -> any any', /source/],
    ['an uppercase action', 'DROP tcp any any -> any any', /unknown action "DROP"/],
  ])('%s', (_, header, reason) => {
    expect(error(rule(header))).toMatch(reason);
  });

  it.each([
    ['no sid', 'msg:"x";', /no sid/],
    ['no msg', 'sid:1;', /no msg/],
    ['sid 0', 'msg:"x"; sid:0;', /sid "0"/],
    ['a negative sid', 'msg:"x"; sid:-1;', /sid "-1"/],
    ['a sid over 32 bits', 'msg:"x"; sid:4294967296;', /sid "4294967296"/],
    ['a sid with a leading zero', 'msg:"x"; sid:01;', /sid "01"/],
    ['two sids', 'msg:"x"; sid:1; sid:2;', /2 sid options/],
    ['a bare sid', 'msg:"x"; sid;', /sid needs a value/],
    ['a generated sid', `msg:"x"; sid:${GENERATED_SID_MIN};`, /reserved for generated rules/],
    ['the last generated sid', `msg:"x"; sid:${GENERATED_SID_MAX};`, /reserved/],
    ['an unquoted msg', 'msg:x; sid:1;', /msg "x" is not one quoted string/],
    ['a msg of two strings', 'msg:"a" "b"; sid:1;', /not one quoted string/],
    ['rev 0', 'msg:"x"; sid:1; rev:0;', /rev "0"/],
  ])('%s', (_, options, reason) => {
    expect(error(rule('alert tcp any any -> any any', options))).toMatch(reason);
  });
});
