import type { IpvsForward, IpvsPort, IpvsRealServer, IpvsService } from '../controllers/load-balancer/ipvs-port.js';
import { ControllerError } from '../runtime/controller.js';
import type { CommandRunner } from '../runtime/ports.js';

/**
 * IPVS through ipvsadm: `ipvsadm -S -n` to read every virtual service, one `ipvsadm -R` run (lines on stdin) per
 * change. Not Debian's `ipvsadm-restore`: that wrapper runs `ipvsadm -C` first, wiping every service, ours and
 * others'. ipvsadm loads ip_vs itself when the kernel has it as a module.
 */
export function createIpvsAdapter(runner: CommandRunner, ipvsadm = 'ipvsadm'): IpvsPort {
  return {
    async available(signal) {
      try {
        const result = await runner.run(ipvsadm, ['-L', '-n'], { signal });
        return result.exitCode === 0 ? { ok: true } : { ok: false, message: firstLines(result.stderr) };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
    async save(signal) {
      const result = await runner.run(ipvsadm, ['-S', '-n'], { signal });
      if (result.exitCode !== 0)
        throw new ControllerError('ObserveFailed', `ipvsadm -S failed: ${firstLines(result.stderr)}`);
      return parseIpvsSave(result.stdout);
    },
    async restore(lines, signal) {
      const result = await runner.run(ipvsadm, ['-R'], { input: `${lines.join('\n')}\n`, signal });
      if (result.exitCode !== 0)
        throw new ControllerError('ApplyFailed', `ipvsadm -R rejected the change: ${firstLines(result.stderr)}`);
    },
  };
}

/** `ipvsadm -S -n` (the syntax `ipvsadm -R` reads) as services with their real servers. */
export function parseIpvsSave(text: string): IpvsService[] {
  const services = new Map<string, IpvsService>();
  for (const line of text.split('\n')) {
    const parsed = parseIpvsLine(line);
    if (parsed?.command === '-A') services.set(parsed.id, serviceOf(parsed));
    else if (parsed?.command === '-a' && parsed.real) services.get(parsed.id)?.realServers.push(parsed.real);
  }
  return [...services.values()];
}

/** One ipvsadm command line: -A/-E/-D name a service, -a/-e/-d one of its real servers. */
export interface IpvsLine {
  command: string;
  /** "-f 1279393793" or "-t 10.0.0.1:80": how lines name the service. */
  id: string;
  fwmark?: number;
  ipv6: boolean;
  scheduler?: string;
  real?: IpvsRealServer;
}

const COMMANDS = ['-A', '-E', '-D', '-a', '-e', '-d'];
/** Options followed by a value (the value is never read as an option). */
const VALUED = ['-t', '-u', '-f', '-s', '-r', '-w', '-x', '-y', '-p', '-M', '-b', '--pe', '--tun-type', '--tun-port'];
const FORWARDS: Readonly<Record<string, IpvsForward>> = { '-m': 'masq', '-g': 'gate', '-i': 'ipip' };

export function parseIpvsLine(line: string): IpvsLine | undefined {
  const options = optionsOf(line);
  const command = COMMANDS.find((c) => options.has(c));
  const kind = ['-t', '-u', '-f'].find((k) => typeof options.get(k) === 'string');
  const service = kind !== undefined ? String(options.get(kind)) : undefined;
  if (command === undefined || kind === undefined || service === undefined) return undefined;
  const scheduler = options.get('-s');
  const real = realServerOf(options);
  return {
    command,
    id: `${kind} ${service}`,
    ...(kind === '-f' ? { fwmark: Number(service) } : {}),
    ipv6: options.has('-6') || service.startsWith('['),
    ...(typeof scheduler === 'string' ? { scheduler } : {}),
    ...(real ? { real } : {}),
  };
}

/** Each option of the line with its value (true for flags). */
function optionsOf(line: string): Map<string, string | true> {
  const tokens = line.trim().split(/\s+/).filter(Boolean);
  const options = new Map<string, string | true>();
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] ?? '';
    if (VALUED.includes(token)) options.set(token, tokens[(i += 1)] ?? '');
    else options.set(token, true);
  }
  return options;
}

function realServerOf(options: Map<string, string | true>): IpvsRealServer | undefined {
  const real = options.get('-r');
  const address = typeof real === 'string' ? /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(real) : null;
  const weight = options.get('-w');
  if (!address || (weight !== undefined && (typeof weight !== 'string' || !/^\d+$/.test(weight)))) return undefined;
  const forward = Object.entries(FORWARDS).find(([flag]) => options.has(flag))?.[1] ?? 'gate';
  return {
    address: address[1] ?? '',
    port: Number(address[2]),
    weight: typeof weight === 'string' ? Number(weight) : 1,
    forward,
  };
}

function serviceOf(line: IpvsLine): IpvsService {
  return {
    ...(line.fwmark !== undefined ? { fwmark: line.fwmark } : { virtual: line.id }),
    ipv6: line.ipv6,
    scheduler: line.scheduler ?? 'wlc',
    realServers: [],
  };
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 5).join(' | ');
}
