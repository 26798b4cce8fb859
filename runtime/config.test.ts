import { describe, expect, it } from '@jest/globals';
import { defaultDataDir, defaultInstanceId, resolveSsmTarget, type GlobalOptions, ssmTargetOnEc2 } from './config.js';

const opts = (over: Partial<GlobalOptions> = {}): GlobalOptions => ({
  prefix: '/cloudspectra',
  gateway: 'gw',
  dataDir: '/var/lib/csgw',
  dataDirExplicit: false,
  timeouts: { connectMs: 3000, requestMs: 10000 },
  ...over,
});

describe('resolveSsmTarget', () => {
  it('with nothing configured, uses the embedded endpoint under dataDir', () => {
    expect(resolveSsmTarget(opts(), {})).toEqual({
      mode: 'embedded',
      region: 'us-east-1',
      dataDir: '/var/lib/csgw/ssm',
    });
  });

  it('the endpoint flag beats AWS_ENDPOINT_URL_SSM, which beats AWS_ENDPOINT_URL', () => {
    const env = { AWS_ENDPOINT_URL_SSM: 'http://ssm-env:4566', AWS_ENDPOINT_URL: 'http://generic-env:4566' };
    expect(resolveSsmTarget(opts({ endpointUrl: 'http://flag:4566' }), env)).toMatchObject({
      mode: 'aws',
      endpoint: 'http://flag:4566',
    });
    expect(resolveSsmTarget(opts(), env)).toMatchObject({ mode: 'aws', endpoint: 'http://ssm-env:4566' });
    expect(resolveSsmTarget(opts(), { AWS_ENDPOINT_URL: 'http://generic-env:4566' })).toMatchObject({
      mode: 'aws',
      endpoint: 'http://generic-env:4566',
    });
  });

  it('the region flag beats AWS_REGION, which beats AWS_DEFAULT_REGION', () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'ap-south-1' };
    expect(resolveSsmTarget(opts({ region: 'us-west-2' }), env)).toEqual({
      mode: 'aws',
      region: 'us-west-2',
      dummyCredentials: false,
    });
    expect(resolveSsmTarget(opts(), env)).toEqual({ mode: 'aws', region: 'eu-west-1', dummyCredentials: false });
    expect(resolveSsmTarget(opts(), { AWS_DEFAULT_REGION: 'ap-south-1' })).toEqual({
      mode: 'aws',
      region: 'ap-south-1',
      dummyCredentials: false,
    });
  });

  it('a profile alone means real AWS in the default region', () => {
    expect(resolveSsmTarget(opts(), { AWS_PROFILE: 'prod' })).toEqual({
      mode: 'aws',
      region: 'us-east-1',
      dummyCredentials: false,
    });
  });

  it.each(['http://localhost:4566', 'http://127.0.0.1:4566', 'http://127.1.2.3:4566', 'http://[::1]:4566'])(
    'uses dummy credentials for the loopback endpoint %s when no credentials are configured',
    (endpoint) => {
      expect(resolveSsmTarget(opts({ endpointUrl: endpoint }), {})).toEqual({
        mode: 'aws',
        region: 'us-east-1',
        endpoint,
        dummyCredentials: true,
      });
    },
  );

  it.each([
    ['a remote endpoint', 'https://ssm.eu-west-1.amazonaws.com', {}],
    ['a host that only starts like loopback', 'http://localhost.example.com:4566', {}],
    ['loopback with access keys', 'http://127.0.0.1:4566', { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }],
    ['loopback with a profile', 'http://127.0.0.1:4566', { AWS_PROFILE: 'dev' }],
    ['an unparsable endpoint', 'not a url', {}],
  ])('never uses dummy credentials for %s', (_what, endpoint, env) => {
    expect(resolveSsmTarget(opts({ endpointUrl: endpoint }), env)).toMatchObject({
      mode: 'aws',
      dummyCredentials: false,
    });
  });
});

describe('an explicit --data-dir together with AWS configuration', () => {
  it('is an error naming both, not silently ignored', () => {
    const explicit = opts({ dataDirExplicit: true });
    expect(() => resolveSsmTarget({ ...explicit, region: 'eu-west-1' }, {})).toThrow(/--data-dir.*region/);
    expect(() => resolveSsmTarget(explicit, { AWS_REGION: 'eu-west-1' })).toThrow(/--data-dir/);
    expect(() => resolveSsmTarget(explicit, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4583' })).toThrow(/endpoint/);
    expect(() => resolveSsmTarget(explicit, { AWS_PROFILE: 'prod' })).toThrow(/profile/);
  });

  it('alone selects the embedded store there', () => {
    expect(resolveSsmTarget(opts({ dataDirExplicit: true, dataDir: '/d' }), {})).toMatchObject({
      mode: 'embedded',
      dataDir: '/d/ssm',
    });
  });
});

describe('ssmTargetOnEc2', () => {
  it('turns the embedded default into real SSM in the instance region', () => {
    const embedded = resolveSsmTarget(opts({ dataDir: '/d' }), {});
    expect(ssmTargetOnEc2(embedded, 'eu-west-1')).toEqual({
      mode: 'aws',
      region: 'eu-west-1',
      dummyCredentials: false,
    });
  });

  it('leaves a configured endpoint or region alone', () => {
    const configured = resolveSsmTarget(opts({ dataDir: '/d', region: 'us-west-2' }), {});
    expect(ssmTargetOnEc2(configured, 'eu-west-1')).toBe(configured);
  });
});

describe('defaults read from the injected environment', () => {
  it('dataDir: CSGW_DATA_DIR, else $HOME/.csgw', () => {
    expect(defaultDataDir({ CSGW_DATA_DIR: '/data', HOME: '/home/u' })).toBe('/data');
    expect(defaultDataDir({ HOME: '/home/u' })).toBe('/home/u/.csgw');
  });

  it('instance id: CSGW_INSTANCE_ID, else the host name', () => {
    expect(defaultInstanceId({ CSGW_INSTANCE_ID: 'i-0abc' })).toBe('i-0abc');
    expect(defaultInstanceId({})).toMatch(/.+/);
  });
});
