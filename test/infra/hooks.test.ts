import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readRepoFile, repoRoot } from './lib/bicep.js';
import { parseYamlMap, type YamlMap, yamlGet } from './lib/yaml.js';

// Issue 15, item 4: the phase-two flag (DEPLOY_EVENT_SUBSCRIPTIONS) must not outlive the code it
// stands for. The hooks run here as azd runs them (the posix command from azure.yaml, in the project
// directory, with the azd environment in their environment), against a fake `azd` on the PATH that
// keeps the environment in a file, and a fake Azure Resource Manager for the function lookup.

const azureYaml = parseYamlMap(readRepoFile('azure.yaml'));

const FAKE_AZD = `#!/usr/bin/env node
const { appendFileSync, existsSync, readFileSync, writeFileSync } = require('node:fs');
const state = process.env.FAKE_AZD_STATE;
const env = existsSync(state) ? JSON.parse(readFileSync(state, 'utf8')) : {};
const args = process.argv.slice(2);
appendFileSync(process.env.FAKE_AZD_LOG, JSON.stringify({
  args,
  DEPLOY_EVENT_SUBSCRIPTIONS: env.DEPLOY_EVENT_SUBSCRIPTIONS,
  nested: process.env.DEPLOY_PHASE_TWO ?? null,
}) + '\\n');
if (args[0] === 'env' && args[1] === 'set') {
  env[args[2]] = args[3];
  writeFileSync(state, JSON.stringify(env));
} else if (args[0] === 'env' && args[1] === 'get-value') {
  if (!(args[2] in env)) { process.stderr.write('ERROR: key not found'); process.exit(1); }
  process.stdout.write(env[args[2]]);
} else if (args[0] === 'auth' && args[1] === 'token') {
  if (process.env.FAKE_AZD_TOKEN_FAILS) { process.stderr.write('ERROR: not logged in, run azd auth login'); process.exit(1); }
  process.stdout.write(JSON.stringify({ token: 'fake-arm-token', expiresOn: '2099-01-01T00:00:00Z' }));
} else if (args[0] === 'provision') {
  process.stdout.write('SUCCESS: provisioned\\n');
} else {
  process.stderr.write('fake azd: unsupported ' + args.join(' '));
  process.exit(2);
}
`;

interface AzdCall {
  args: string[];
  DEPLOY_EVENT_SUBSCRIPTIONS: string | undefined;
  nested: string | null;
}

let work: string;
let server: Server;
let armUrl: string;
/** Status the fake ARM answers for the audit function, and the requests it saw. */
let functionStatus = 200;
let armRequests: { path: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'azd-hooks-'));
  writeFileSync(join(work, 'azd'), FAKE_AZD);
  chmodSync(join(work, 'azd'), 0o755);
  server = createServer((request, response) => {
    armRequests.push({ path: request.url ?? '', authorization: request.headers.authorization });
    response.writeHead(functionStatus, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(
        functionStatus === 200 ? { name: 'func-x/auditEvents' } : { error: { code: 'NotFound' } },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  armUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  functionStatus = 200;
  armRequests = [];
});

/** The posix command azure.yaml runs for a project-level hook. */
function hookCommand(hook: string): string | undefined {
  const run = yamlGet(azureYaml, 'hooks', hook, 'posix', 'run');
  return typeof run === 'string' ? run : undefined;
}

const OUTPUTS = {
  AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-00000000000a',
  AZURE_RESOURCE_GROUP: 'rg-test',
  AZURE_FUNCTION_APP_NAME: 'func-x',
  AZURE_AUDIT_FUNCTION_NAME: 'auditEvents',
};

/**
 * Runs a hook as azd would: its environment holds the azd environment's values. Asynchronous, so the
 * fake Resource Manager in this process can answer while the hook waits.
 */
async function runHook(hook: string, azdEnv: Record<string, string>, extra: Record<string, string> = {}) {
  const command = hookCommand(hook);
  if (!command) throw new Error(`azure.yaml has no posix ${hook} hook`);
  writeFileSync(join(work, 'state.json'), JSON.stringify(azdEnv));
  writeFileSync(join(work, 'calls.log'), '');
  const child = spawn('sh', ['-c', command], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...azdEnv,
      ...extra,
      PATH: `${work}${delimiter}${process.env.PATH ?? ''}`,
      FAKE_AZD_STATE: join(work, 'state.json'),
      FAKE_AZD_LOG: join(work, 'calls.log'),
      AZURE_RESOURCE_MANAGER_ENDPOINT: armUrl,
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const calls = readFileSync(join(work, 'calls.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AzdCall);
  const state = JSON.parse(readFileSync(join(work, 'state.json'), 'utf8')) as Record<string, string>;
  return { status, output, calls, state };
}

describe('azure.yaml hooks', () => {
  it('declares preprovision, postdeploy and postdown, the same Node script on posix and windows', () => {
    for (const hook of ['preprovision', 'postdeploy', 'postdown']) {
      const config = yamlGet(azureYaml, 'hooks', hook) as YamlMap | undefined;
      expect(config, hook).toBeDefined();
      expect(yamlGet(azureYaml, 'hooks', hook, 'posix', 'shell'), hook).toBe('sh');
      expect(yamlGet(azureYaml, 'hooks', hook, 'windows', 'shell'), hook).toBe('pwsh');
      expect(yamlGet(azureYaml, 'hooks', hook, 'windows', 'run'), hook).toBe(hookCommand(hook));
      expect(hookCommand(hook), hook).toMatch(new RegExp(`^node scripts/azd-hooks\\.mjs ${hook}$`));
    }
  });
});

describe('postdeploy: phase two', () => {
  it('on a first run, sets the flag and provisions again with the subscriptions', async () => {
    const { status, calls, state } = await runHook('postdeploy', { ...OUTPUTS });
    expect(status).toBe(0);
    expect(calls.map((call) => call.args.join(' '))).toEqual([
      'env set DEPLOY_EVENT_SUBSCRIPTIONS true',
      'provision --no-prompt',
    ]);
    // The nested provision sees the flag, and tells its own preprovision not to second-guess it.
    expect(calls[1]?.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('true');
    expect(calls[1]?.nested).toBe('1');
    expect(state.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('true');
  });

  it('does nothing when provisioning already includes the subscriptions', async () => {
    const { status, calls, output } = await runHook('postdeploy', {
      ...OUTPUTS,
      DEPLOY_EVENT_SUBSCRIPTIONS: 'true',
    });
    expect(status).toBe(0);
    expect(calls).toEqual([]);
    expect(output).toMatch(/already part of provisioning/);
  });
});

describe('postdown: the flag does not outlive the resources', () => {
  it('resets DEPLOY_EVENT_SUBSCRIPTIONS to false', async () => {
    const { status, calls, state } = await runHook('postdown', {
      ...OUTPUTS,
      DEPLOY_EVENT_SUBSCRIPTIONS: 'true',
    });
    expect(status).toBe(0);
    expect(calls.map((call) => call.args.join(' '))).toEqual(['env set DEPLOY_EVENT_SUBSCRIPTIONS false']);
    expect(state.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('false');
  });
});

describe('preprovision: a reused environment', () => {
  it('resets the flag when the audit function does not exist (resource group deleted, new subscription)', async () => {
    functionStatus = 404;
    const { status, calls, state, output } = await runHook('preprovision', {
      ...OUTPUTS,
      DEPLOY_EVENT_SUBSCRIPTIONS: 'true',
    });
    expect(status).toBe(0);
    expect(armRequests).toEqual([
      {
        path: '/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-test/providers/Microsoft.Web/sites/func-x/functions/auditEvents?api-version=2024-04-01',
        authorization: 'Bearer fake-arm-token',
      },
    ]);
    expect(calls.map((call) => call.args.slice(0, 2).join(' '))).toEqual(['auth token', 'env set']);
    expect(calls[0]?.args).toContain(`${armUrl}/.default`);
    expect(state.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('false');
    expect(output).toMatch(/auditEvents is not deployed/);
  });

  it('resets the flag without asking Azure when the environment was never provisioned', async () => {
    const { status, calls, state } = await runHook('preprovision', { DEPLOY_EVENT_SUBSCRIPTIONS: 'true' });
    expect(status).toBe(0);
    expect(armRequests).toEqual([]);
    expect(calls.map((call) => call.args.join(' '))).toEqual(['env set DEPLOY_EVENT_SUBSCRIPTIONS false']);
    expect(state.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('false');
  });

  it('keeps the flag when the function exists', async () => {
    const { status, calls, state } = await runHook('preprovision', {
      ...OUTPUTS,
      DEPLOY_EVENT_SUBSCRIPTIONS: 'true',
    });
    expect(status).toBe(0);
    expect(armRequests).toHaveLength(1);
    expect(calls.map((call) => call.args.slice(0, 2).join(' '))).toEqual(['auth token']);
    expect(state.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('true');
  });

  it('keeps the flag, with a warning, when it cannot tell (no token, other answers)', async () => {
    const noToken = await runHook(
      'preprovision',
      { ...OUTPUTS, DEPLOY_EVENT_SUBSCRIPTIONS: 'true' },
      { FAKE_AZD_TOKEN_FAILS: '1' },
    );
    expect(noToken.status).toBe(0);
    expect(noToken.state.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('true');
    expect(noToken.output).toMatch(/could not check/i);
    functionStatus = 503;
    const unavailable = await runHook('preprovision', { ...OUTPUTS, DEPLOY_EVENT_SUBSCRIPTIONS: 'true' });
    expect(unavailable.status).toBe(0);
    expect(unavailable.state.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('true');
    expect(unavailable.output).toMatch(/could not check/i);
  });

  it('asks nothing on a phase-one run, or inside the postdeploy hook’s own provision', async () => {
    expect((await runHook('preprovision', { ...OUTPUTS })).calls).toEqual([]);
    expect(
      (await runHook('preprovision', { ...OUTPUTS, DEPLOY_EVENT_SUBSCRIPTIONS: 'false' })).calls,
    ).toEqual([]);
    const nested = await runHook(
      'preprovision',
      { ...OUTPUTS, DEPLOY_EVENT_SUBSCRIPTIONS: 'true' },
      { DEPLOY_PHASE_TWO: '1' },
    );
    expect(nested.calls).toEqual([]);
    expect(armRequests).toEqual([]);
  });
});

describe('up, down, up in one environment', () => {
  it('starts the second up in phase one again', async () => {
    const env: Record<string, string> = { ...OUTPUTS };
    expect((await runHook('preprovision', env)).calls).toEqual([]);
    Object.assign(env, (await runHook('postdeploy', env)).state);
    expect(env.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('true');
    Object.assign(env, (await runHook('postdown', env)).state);
    expect(env.DEPLOY_EVENT_SUBSCRIPTIONS).toBe('false');
    // The next up provisions phase one (no subscriptions) and postdeploy adds them again.
    expect((await runHook('preprovision', env)).calls).toEqual([]);
    const again = await runHook('postdeploy', env);
    expect(again.calls.map((call) => call.args.join(' '))).toEqual([
      'env set DEPLOY_EVENT_SUBSCRIPTIONS true',
      'provision --no-prompt',
    ]);
  });
});
