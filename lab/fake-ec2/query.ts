// The EC2 Query actions the fake serves: form parameters in, the inner XML of the response out. Failures throw
// Ec2Error with the code EC2 would answer.
import type { ResourceTags } from '../../runtime/aws/ports.js';
import { Ec2Error, type Ec2Model, type RouteRequest } from './model.js';
import { addressesSet, field, networkInterfaceSet, routeTableSet } from './xml.js';

type Handler = (model: Ec2Model, params: URLSearchParams) => string;

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') {
    throw new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

/** The values of `{prefix}.1`, `{prefix}.2`, ... in index order (the SDK's flattened lists). */
export function listParam(params: URLSearchParams, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  const indexed: [number, string][] = [];
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) indexed.push([Number(match[1]), value]);
  }
  return indexed.sort(([a], [b]) => a - b).map(([, value]) => value);
}

/**
 * The values of the filter with this name, or undefined when the request has no such filter. Other filter names
 * fail the call: the fake supports only `name`, and ignoring a filter would answer too much.
 */
export function filterValues(params: URLSearchParams, name: string): string[] | undefined {
  let values: string[] | undefined;
  for (const [key, value] of params) {
    const match = /^Filter\.(\d+)\.Name$/.exec(key);
    if (!match) continue;
    if (value !== name) throw new Ec2Error('InvalidParameterValue', `The filter '${value}' is invalid`);
    values = [...(values ?? []), ...listParam(params, `Filter.${match[1]}.Value`)];
  }
  return values;
}

/** Tag.N.Key / Tag.N.Value pairs; a tag without a value gets the empty string, as in EC2. */
export function tagsParam(params: URLSearchParams): ResourceTags {
  const tags: ResourceTags = {};
  for (const [key, value] of params) {
    const match = /^Tag\.(\d+)\.Key$/.exec(key);
    if (match) tags[value] = params.get(`Tag.${match[1]}.Value`) ?? '';
  }
  return tags;
}

function booleanParam(params: URLSearchParams, name: string): boolean | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw new Ec2Error(
      'InvalidParameterValue',
      `Value (${value}) for parameter ${name} is invalid. Expected a boolean`,
    );
  }
  return value === 'true';
}

function routeParams(params: URLSearchParams): RouteRequest {
  const destinationCidr = params.get('DestinationCidrBlock') ?? params.get('DestinationIpv6CidrBlock');
  if (destinationCidr === null) {
    throw new Ec2Error('MissingParameter', 'The request must contain the parameter DestinationCidrBlock');
  }
  return {
    routeTableId: required(params, 'RouteTableId'),
    destinationCidr,
    networkInterfaceId: required(params, 'NetworkInterfaceId'),
  };
}

const returnTrue = field('return', true);

const HANDLERS: Readonly<Record<string, Handler>> = {
  DescribeAddresses: (model, params) => addressesSet(model.describeAddresses(listParam(params, 'AllocationId'))),
  AssociateAddress: (model, params) => {
    const privateIpAddress = params.get('PrivateIpAddress') ?? undefined;
    const { associationId } = model.associateAddress({
      allocationId: required(params, 'AllocationId'),
      networkInterfaceId: required(params, 'NetworkInterfaceId'),
      allowReassociation: booleanParam(params, 'AllowReassociation') ?? false,
      ...(privateIpAddress === undefined ? {} : { privateIpAddress }),
    });
    return returnTrue + field('associationId', associationId);
  },
  DescribeRouteTables: (model, params) => {
    const ids = listParam(params, 'RouteTableId');
    const filtered = filterValues(params, 'route-table-id');
    const tables = model.describeRouteTables(ids);
    if (filtered === undefined) return routeTableSet(tables);
    const wanted = new Set(filtered);
    return routeTableSet(tables.filter((t) => wanted.has(t.routeTableId)));
  },
  CreateRoute: (model, params) => {
    model.createRoute(routeParams(params));
    return returnTrue;
  },
  ReplaceRoute: (model, params) => {
    model.replaceRoute(routeParams(params));
    return returnTrue;
  },
  DescribeNetworkInterfaces: (model, params) =>
    networkInterfaceSet(model.describeNetworkInterfaces(listParam(params, 'NetworkInterfaceId'))),
  ModifyNetworkInterfaceAttribute: (model, params) => {
    const enabled = booleanParam(params, 'SourceDestCheck.Value');
    const eniId = required(params, 'NetworkInterfaceId');
    if (enabled === undefined)
      throw new Ec2Error('MissingParameter', 'The request must contain an attribute to modify');
    model.setSourceDestCheck(eniId, enabled);
    return returnTrue;
  },
  CreateTags: (model, params) => {
    const resourceIds = listParam(params, 'ResourceId');
    if (resourceIds.length === 0)
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter ResourceId');
    model.createTags(resourceIds, tagsParam(params));
    return returnTrue;
  },
};

export const SUPPORTED_ACTIONS: readonly string[] = Object.keys(HANDLERS);

/** Runs one action against the model; unknown actions fail as EC2 fails them. */
export function runAction(model: Ec2Model, action: string, params: URLSearchParams): string {
  const handler = Object.hasOwn(HANDLERS, action) ? HANDLERS[action] : undefined;
  if (!handler) throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
  return handler(model, params);
}
