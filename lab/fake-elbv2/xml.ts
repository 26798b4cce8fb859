// ELBv2 Query-API XML (awsQuery protocol, namespace 2015-12-01), in the element names
// @aws-sdk/client-elastic-load-balancing-v2 reads. Every value is escaped.
import { escapeXml } from '../fake-ec2/xml.js';
import type { FakeTarget } from './model.js';

export const ELBV2_NAMESPACE = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

const el = (name: string, inner: string): string => `<${name}>${inner}</${name}>`;

const field = (name: string, value: string | number | undefined): string =>
  value === undefined ? '' : el(name, escapeXml(String(value)));

function descriptionXml(t: FakeTarget): string {
  const target = field('Id', t.id) + field('Port', t.port) + field('AvailabilityZone', t.availabilityZone);
  const health = field('State', t.state) + field('Reason', t.reason);
  return el('member', el('Target', target) + field('HealthCheckPort', t.port) + el('TargetHealth', health));
}

export function targetHealthDescriptions(targets: readonly FakeTarget[]): string {
  return el('TargetHealthDescriptions', targets.map(descriptionXml).join(''));
}

/** `<{Action}Response><{Action}Result>...` plus the request id, as ELBv2 answers every successful call. */
export function responseXml(action: string, requestId: string, inner: string): string {
  const body = el(`${action}Result`, inner) + el('ResponseMetadata', field('RequestId', requestId));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ELBV2_NAMESPACE}">${body}</${action}Response>`;
}

export function errorXml(code: string, message: string, requestId: string): string {
  const error = el('Error', field('Type', 'Sender') + field('Code', code) + field('Message', message));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ELBV2_NAMESPACE}">${error}${field('RequestId', requestId)}</ErrorResponse>`;
}
