// EC2 Query-API XML, in the element names @aws-sdk/client-ec2's schemas read (xmlName: addressesSet, routeTableSet,
// routeSet, networkInterfaceSet, tagSet, item, ...). Every value is escaped.
import type {
  AddressView,
  NetworkInterfaceView,
  ResourceTags,
  RouteTableView,
  RouteView,
} from '../../runtime/aws/ports.js';

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** An element holding already-rendered XML. */
function el(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

/** An element holding a text value; nothing when the value is absent. */
export function field(name: string, value: string | boolean | undefined): string {
  return value === undefined ? '' : el(name, escapeXml(String(value)));
}

function set(name: string, items: readonly string[]): string {
  return el(name, items.map((item) => el('item', item)).join(''));
}

function tagSet(tags: ResourceTags): string {
  return set(
    'tagSet',
    Object.entries(tags).map(([key, value]) => field('key', key) + field('value', value)),
  );
}

function cidrField(cidr: string): string {
  return field(cidr.includes(':') ? 'destinationIpv6CidrBlock' : 'destinationCidrBlock', cidr);
}

function addressXml(a: AddressView): string {
  return [
    field('allocationId', a.allocationId),
    field('publicIp', a.publicIp),
    field('domain', 'vpc'),
    field('associationId', a.associationId),
    field('networkInterfaceId', a.networkInterfaceId),
    field('instanceId', a.instanceId),
    field('privateIpAddress', a.privateIpAddress),
    tagSet(a.tags),
  ].join('');
}

function routeXml(r: RouteView): string {
  return [
    cidrField(r.destinationCidr),
    field('gatewayId', r.gatewayId),
    field('instanceId', r.instanceId),
    field('natGatewayId', r.natGatewayId),
    field('transitGatewayId', r.transitGatewayId),
    field('networkInterfaceId', r.networkInterfaceId),
    field('state', r.state),
  ].join('');
}

function routeTableXml(t: RouteTableView): string {
  return (
    field('routeTableId', t.routeTableId) +
    field('vpcId', t.vpcId) +
    set('routeSet', t.routes.map(routeXml)) +
    tagSet(t.tags)
  );
}

function networkInterfaceXml(n: NetworkInterfaceView): string {
  return [
    field('networkInterfaceId', n.networkInterfaceId),
    field('subnetId', n.subnetId),
    field('vpcId', n.vpcId),
    field('availabilityZone', n.availabilityZone),
    field('sourceDestCheck', n.sourceDestCheck),
    n.instanceId === undefined ? '' : el('attachment', field('instanceId', n.instanceId)),
    tagSet(n.tags),
  ].join('');
}

export const addressesSet = (addresses: readonly AddressView[]): string =>
  set('addressesSet', addresses.map(addressXml));

export const routeTableSet = (tables: readonly RouteTableView[]): string =>
  set('routeTableSet', tables.map(routeTableXml));

export const networkInterfaceSet = (enis: readonly NetworkInterfaceView[]): string =>
  set('networkInterfaceSet', enis.map(networkInterfaceXml));

/** `<{Action}Response>` around the result, as EC2 answers every successful call. */
export function responseXml(action: string, requestId: string, inner: string): string {
  const name = `${action}Response`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${name} xmlns="${EC2_NAMESPACE}">${field('requestId', requestId)}${inner}</${name}>`;
}

export function errorXml(code: string, message: string, requestId: string): string {
  const error = el('Error', field('Code', code) + field('Message', message));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${el('Response', el('Errors', error) + field('RequestID', requestId))}`;
}
