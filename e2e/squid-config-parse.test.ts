import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { squidModel } from '../renderers/squid/arbitraries.js';
import { renderSquid } from '../renderers/squid/render.js';
import { checkErrors } from '../controllers/forward-proxy/squid-daemon.js';
import { ensureImages, GATEWAY_IMAGE, RUN_LABEL } from './harness/index.js';

/**
 * Every configuration the renderer can produce from a valid model is one the real squid (the gateway image's) accepts:
 * random models are rendered, copied into a gateway container and checked with `squid -k parse`.
 */
const RUNS = 40;
let gateway: StartedTestContainer;

beforeAll(async () => {
  await ensureImages();
  gateway = await new GenericContainer(GATEWAY_IMAGE)
    // No daemon runs here (each parse is a docker exec that exits), so no init is needed to reap zombies.
    .withEntrypoint(['sleep', 'infinity'])
    .withLabels({ [RUN_LABEL]: `squid-parse-${process.pid}` })
    .start();
}, 20 * 60_000);

afterAll(async () => {
  await gateway?.stop({ timeout: 1_000 });
}, 60_000);

describe('rendered squid.conf', () => {
  it(`always passes squid -k parse (${RUNS} random models)`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constant(null).chain(() => {
          run += 1;
          const root = `/tmp/parse-${run}`;
          const paths = {
            revisionDir: `${root}/rev`,
            cacheDir: `${root}/cache`,
            logDir: `${root}/logs`,
            pidFile: `${root}/run/squid.pid`,
          };
          return squidModel({ paths, user: 'proxy' });
        }),
        async (model) => {
          const files = renderSquid(model);
          await gateway.copyContentToContainer(
            files.map((f) => ({ content: f.content, target: `${model.paths.revisionDir}/${f.name}`, mode: f.mode })),
          );
          const parsed = await gateway.exec(['squid', '-k', 'parse', '-f', `${model.paths.revisionDir}/squid.conf`]);
          const output = `${parsed.stdout}\n${parsed.stderr}`;
          expect({ exitCode: parsed.exitCode, problems: checkErrors(output) }).toEqual({ exitCode: 0, problems: [] });
        },
      ),
      { numRuns: RUNS },
    );
  }, 300_000);
});
