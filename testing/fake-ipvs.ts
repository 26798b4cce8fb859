// An in-memory IpvsPort: virtual services and real servers as the kernel keeps them. restore() applies lines one by
// one with ipvsadm's own refusals (a duplicate -A or -a, an edit or delete of something missing), stopping at the
// first failure as `ipvsadm -R` does: what came before it stays applied.
import { parseIpvsLine, type IpvsLine } from '../adapters/ipvs.js';
import type { IpvsPort, IpvsService } from '../controllers/load-balancer/ipvs-port.js';
import { ControllerError } from '../runtime/controller.js';

export class FakeIpvs implements IpvsPort {
  private services: IpvsService[];
  /** Every restore() run, in order. */
  readonly restores: string[][] = [];
  readonly calls = { save: 0, restore: 0 };
  /** Set to make available() fail with this message (no ip_vs, no ipvsadm). */
  unavailable?: string;

  constructor(initial: readonly IpvsService[] = []) {
    this.services = structuredClone([...initial]);
  }

  available(): Promise<{ ok: true } | { ok: false; message: string }> {
    return Promise.resolve(this.unavailable ? { ok: false, message: this.unavailable } : { ok: true });
  }

  save(signal: AbortSignal): Promise<IpvsService[]> {
    this.calls.save += 1;
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    return Promise.resolve(structuredClone(this.services));
  }

  restore(lines: readonly string[], signal: AbortSignal): Promise<void> {
    this.calls.restore += 1;
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    this.restores.push([...lines]);
    for (const line of lines) {
      const parsed = parseIpvsLine(line);
      const problem = parsed ? this.apply(parsed) : 'cannot parse';
      if (problem) return Promise.reject(new ControllerError('ApplyFailed', `ipvsadm -R: ${line}: ${problem}`));
    }
    return Promise.resolve();
  }

  /** The services now (a copy). */
  snapshot(): IpvsService[] {
    return structuredClone(this.services);
  }

  private apply(line: IpvsLine): string | undefined {
    const service = this.services.find((s) => idOf(s) === line.id);
    if (line.command === '-A') {
      if (service) return 'Service already exists';
      const id = line.fwmark !== undefined ? { fwmark: line.fwmark } : { virtual: line.id };
      this.services.push({ ...id, ipv6: line.ipv6, scheduler: line.scheduler ?? 'wlc', realServers: [] });
      return undefined;
    }
    if (!service) return 'No such service';
    if (line.command === '-D') this.services = this.services.filter((s) => s !== service);
    else if (line.command === '-E') service.scheduler = line.scheduler ?? service.scheduler;
    else return applyRealServer(service, line);
    return undefined;
  }
}

function applyRealServer(service: IpvsService, line: IpvsLine): string | undefined {
  const real = line.real;
  if (!real) return 'Invalid real server';
  const at = service.realServers.findIndex((r) => r.address === real.address && r.port === real.port);
  if (line.command === '-a') {
    if (at >= 0) return 'Destination already exists';
    service.realServers.push(real);
    return undefined;
  }
  if (at < 0) return 'No such destination';
  if (line.command === '-e') service.realServers[at] = real;
  else service.realServers.splice(at, 1);
  return undefined;
}

function idOf(s: IpvsService): string {
  return s.fwmark !== undefined ? `-f ${s.fwmark}` : (s.virtual ?? '');
}
