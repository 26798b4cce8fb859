import type { IpvsRealServer, IpvsService } from './ipvs-port.js';
import { isOurIpvsService } from './kernel-read.js';
import { FWMARK_BASE } from './names.js';
import type { KernelService } from './types.js';

/**
 * (desired services, `ipvsadm -S` as read) -> the `ipvsadm -R` lines that take IPVS there; pure. Only
 * firewall-mark services in our range are read or written; every line is a diff (-A/-E/-D services, -a/-e/-d real
 * servers). Targets are masqueraded (-m, IPVS's NAT): the client address is kept unless the service masquerades
 * in postrouting (sourceNat).
 */
export function planIpvs(desired: readonly KernelService[], observed: readonly IpvsService[]): string[] {
  const ours = new Map(observed.filter(isOurIpvsService).map((s) => [s.fwmark, s]));
  const wanted = new Set(desired.map((s) => FWMARK_BASE + s.id));
  const lines: string[] = [];
  for (const [mark] of ours) if (!wanted.has(mark)) lines.push(`-D -f ${mark}`);
  for (const service of desired) lines.push(...serviceLines(service, ours.get(FWMARK_BASE + service.id)));
  return lines;
}

function serviceLines(service: KernelService, current: IpvsService | undefined): string[] {
  const mark = FWMARK_BASE + service.id;
  const head: string[] = [];
  if (!current) head.push(`-A -f ${mark} -s ${service.scheduler}`);
  else if (current.scheduler !== service.scheduler) head.push(`-E -f ${mark} -s ${service.scheduler}`);
  const have = new Map((current?.realServers ?? []).map((r) => [`${r.address}:${r.port}`, r]));
  const want = new Set(service.targets.map((t) => `${t.address}:${t.port}`));
  const removed = [...have.keys()].filter((k) => !want.has(k)).map((k) => `-d -f ${mark} -r ${k}`);
  const changed = service.targets.flatMap((t) => {
    const key = `${t.address}:${t.port}`;
    const real = have.get(key);
    const args = `-f ${mark} -r ${key} -m -w ${t.weight}`;
    if (!real) return [`-a ${args}`];
    return sameServer(real, t.weight) ? [] : [`-e ${args}`];
  });
  return [...head, ...removed, ...changed];
}

function sameServer(real: IpvsRealServer, weight: number): boolean {
  return real.weight === weight && real.forward === 'masq';
}
