import { describe, expect, it } from '@jest/globals';
import type { RouteTableView, RouteView } from '../../runtime/aws/ports.js';
import type { DesiredState } from '../../runtime/controller.js';
import { routeTable, SELF } from '../../testing/ec2-fixtures.js';
import { azRoutesDetails, azRoutesWarnings } from './status.js';
import type { AzRoutesDesired, AzRoutesObserved, OwnedRoute } from './types.js';

const ENI = SELF.primaryEniId;
const RTB_A = 'rtb-0000000000000000a';
const RTB_B = 'rtb-0000000000000000b';

const owned = (routeTableId: string, destinationCidr = '0.0.0.0/0'): OwnedRoute => ({
  routeTableId,
  destinationCidr,
  networkInterfaceId: ENI,
  resource: 'az1',
});
const desired = (...routes: OwnedRoute[]): DesiredState<AzRoutesDesired> => ({
  name: 'az1',
  generation: 1,
  spec: { availabilityZoneId: 'use1-az1', routes },
});
const observed = (tables: RouteTableView[], requested: string[]): AzRoutesObserved => ({
  accounts: [{ requested, tables }],
});
const ours = (): RouteView => ({ destinationCidr: '0.0.0.0/0', networkInterfaceId: ENI, state: 'active' });

describe('warnings, details', () => {
  it('warns about each listed table that does not exist', () => {
    const o: AzRoutesObserved = {
      accounts: [
        { requested: [RTB_A, RTB_B], tables: [routeTable(RTB_B)] },
        { accountId: '222222222222', requested: [RTB_A], tables: [] },
      ],
    };
    expect(azRoutesWarnings(o)).toEqual([
      { reason: 'RouteTableNotFound', message: `route table ${RTB_A} not found: its routes are skipped` },
      {
        reason: 'RouteTableNotFound',
        message: `route table ${RTB_A} (account 222222222222) not found: its routes are skipped`,
      },
    ]);
  });

  it('counts the owned routes that point at their target', () => {
    const d = desired(owned(RTB_A), owned(RTB_A, '10.9.0.0/16'), owned(RTB_B));
    const o = observed(
      [routeTable(RTB_A, [ours(), { destinationCidr: '10.9.0.0/16', gatewayId: 'igw-1' }])],
      [RTB_A, RTB_B],
    );
    expect(azRoutesDetails(d.spec, o)).toEqual({
      availabilityZoneId: 'use1-az1',
      networkInterfaceIds: [ENI],
      routes: 3,
      routesToTarget: 1,
      routeTables: 1,
    });
  });
});
