import { describe, expect, it } from '@jest/globals';
import { Ec2Model } from './model.js';
import { filterValues, listParam, runAction, tagsParam } from './query.js';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (err) {
    return (err as Error).name;
  }
};

describe('EC2 query parameters', () => {
  it('reads flattened lists in numeric index order, ignoring other keys', () => {
    const params = new URLSearchParams('Id.10=j&Id.2=b&Id.1=a&Idx.3=no&Id.1.Key=no&Other.1=no');
    expect(listParam(params, 'Id')).toEqual(['a', 'b', 'j']);
    expect(listParam(params, 'Missing')).toEqual([]);
  });

  it('reads the values of the named filter, and undefined without filters', () => {
    const params = new URLSearchParams(
      'Filter.1.Name=route-table-id&Filter.1.Value.1=rtb-1&Filter.2.Name=route-table-id&Filter.2.Value.1=rtb-2',
    );
    expect(filterValues(params, 'route-table-id')).toEqual(['rtb-1', 'rtb-2']);
    expect(filterValues(new URLSearchParams('RouteTableId.1=rtb-1'), 'route-table-id')).toBeUndefined();
  });

  it('refuses filters it does not implement rather than ignoring them', () => {
    const params = new URLSearchParams('Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1');
    expect(codeOf(() => filterValues(params, 'route-table-id'))).toBe('InvalidParameterValue');
  });

  it('pairs tag keys with their values, a missing value being empty', () => {
    const params = new URLSearchParams('Tag.2.Key=b&Tag.1.Key=a&Tag.1.Value=1&Tag.3.Value=orphan');
    expect(tagsParam(params)).toEqual({ a: '1', b: '' });
  });
});

describe('runAction', () => {
  const model = (): Ec2Model =>
    new Ec2Model({
      networkInterfaces: [
        {
          networkInterfaceId: 'eni-a',
          sourceDestCheck: true,
          availabilityZone: 'a',
          subnetId: 's',
          vpcId: 'v',
          tags: {},
        },
      ],
    });

  it.each([
    [
      'ModifyNetworkInterfaceAttribute',
      'NetworkInterfaceId=eni-a&SourceDestCheck.Value=maybe',
      'InvalidParameterValue',
    ],
    ['ModifyNetworkInterfaceAttribute', 'NetworkInterfaceId=eni-a', 'MissingParameter'],
    ['CreateTags', 'Tag.1.Key=a', 'MissingParameter'],
    ['CreateRoute', 'RouteTableId=rtb-1&NetworkInterfaceId=eni-a', 'MissingParameter'],
    ['toString', '', 'InvalidAction'],
  ])('%s with %s fails with %s', (action, query, code) => {
    expect(codeOf(() => runAction(model(), action, new URLSearchParams(query)))).toBe(code);
  });

  it('answers a modification with <return>true</return>', () => {
    const m = model();
    const xml = runAction(
      m,
      'ModifyNetworkInterfaceAttribute',
      new URLSearchParams('NetworkInterfaceId=eni-a&SourceDestCheck.Value=false'),
    );
    expect(xml).toBe('<return>true</return>');
    expect(m.networkInterfaces.get('eni-a')?.sourceDestCheck).toBe(false);
  });
});
