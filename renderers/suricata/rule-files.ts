/**
 * Line edits on rule files: switching rules off and on by sid, and the detect mode rewrite. They work on any rule
 * file (packaged ones are not validated by validateRuleLine), so they only touch a line whose shape is unambiguous.
 */

// Suricata reads actions in any case and skips leading blanks: so do these, or a rule could dodge detect mode.
const RULE_ACTION = /^[ \t]*(alert|pass|drop|reject|rejectsrc|rejectdst|rejectboth)[ \t]/i;
const COMMENTED_RULE = /^[ \t]*#+[ \t]*((?:alert|pass|drop|reject|rejectsrc|rejectdst|rejectboth)[ \t].*)$/i;
const SID = /[(; \t]sid[ \t]*:[ \t]*(\d+)[ \t]*;/;
const BLOCKING = /^([ \t]*)(?:drop|reject|rejectsrc|rejectdst|rejectboth)(?=[ \t])/i;

export interface SidSwitches {
  disabled: ReadonlySet<number>;
  enabled: ReadonlySet<number>;
}

/** The sid of an active or commented-out rule line, if it has one. */
export function sidOf(line: string): number | undefined {
  const match = SID.exec(line);
  return match ? Number(match[1]) : undefined;
}

/**
 * Comments out (`# `) every active rule whose sid is disabled and uncomments every commented-out rule whose sid is
 * enabled. Disabled wins when a sid is in both lists.
 */
export function switchRules(content: string, { disabled, enabled }: SidSwitches): string {
  return mapLines(content, (line) => {
    const sid = sidOf(line);
    if (sid === undefined) return line;
    if (RULE_ACTION.test(line)) return disabled.has(sid) ? `# ${line}` : line;
    const commented = COMMENTED_RULE.exec(line);
    if (commented && enabled.has(sid) && !disabled.has(sid)) return commented[1]!;
    return line;
  });
}

/** detect mode: every active drop and reject rule becomes an alert rule (same match, same sid, never blocks). */
export function toDetectMode(content: string): string {
  return mapLines(content, (line) => line.replace(BLOCKING, '$1alert'));
}

/** Active (uncommented) rule lines. */
export function countRules(content: string): number {
  return content.split('\n').filter((line) => RULE_ACTION.test(line)).length;
}

function mapLines(content: string, edit: (line: string) => string): string {
  return content.split('\n').map(edit).join('\n');
}
