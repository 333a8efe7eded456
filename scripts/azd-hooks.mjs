// azd hooks (azure.yaml) for the two provisioning phases. Event Grid subscriptions that target a
// function can be created only once the function exists, so a first `azd up` provisions without them
// (deployEventSubscriptions=false), deploys the code, and `postdeploy` provisions again with them and
// records DEPLOY_EVENT_SUBSCRIPTIONS=true in the azd environment; later runs create everything in one
// pass. The flag must not outlive the code it stands for:
// - postdown resets it when `azd down` removes the resources;
// - preprovision resets it when the audit function is not deployed where the environment points
//   (the resource group was deleted by hand, the environment was moved to another subscription), so
//   such a provision runs phase one instead of failing with "Destination endpoint not found".
// One Node script serves the posix and windows hooks. azd runs hooks in the project folder with the
// azd environment's values in their environment; `azd` is on the PATH (test/infra/hooks.test.ts runs
// these against a fake one).
import { spawnSync } from 'node:child_process';

const FLAG = 'DEPLOY_EVENT_SUBSCRIPTIONS';
/** Set by postdeploy on its own `azd provision`, whose preprovision must not second-guess it. */
const PHASE_TWO = 'DEPLOY_PHASE_TWO';
const SITES_API_VERSION = '2024-04-01';

/**
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv; capture?: boolean }} [options]
 */
function azd(args, { env = process.env, capture = false } = {}) {
  const result = spawnSync('azd', args, {
    env,
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    // azd is an .exe on Windows; a shell finds it however it was installed.
    shell: process.platform === 'win32',
  });
  if (result.error) throw new Error(`azd ${args[0]} could not start: ${result.error.message}`);
  if (result.status !== 0) {
    const detail = capture ? `: ${(result.stderr || result.stdout || '').trim()}` : '';
    throw new Error(`azd ${args.join(' ')} exited ${result.status}${detail}`);
  }
  return result.stdout ?? '';
}

/** @param {string} value */
function setFlag(value) {
  azd(['env', 'set', FLAG, value]);
}

/**
 * Whether the audit function exists in the function app the environment's outputs name:
 * 'present', 'missing', or a reason it could not be told.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<{ state: 'present' | 'missing' | 'unknown'; detail: string }>}
 */
async function auditFunctionState(env) {
  const subscription = env.AZURE_SUBSCRIPTION_ID;
  const group = env.AZURE_RESOURCE_GROUP;
  const app = env.AZURE_FUNCTION_APP_NAME;
  const fn = env.AZURE_AUDIT_FUNCTION_NAME || 'auditEvents';
  if (!app || !group || !subscription) {
    return { state: 'missing', detail: 'this environment has no provisioned function app (no outputs yet)' };
  }
  // Public cloud by default; another cloud's Resource Manager endpoint can be given.
  const arm = (env.AZURE_RESOURCE_MANAGER_ENDPOINT || 'https://management.azure.com').replace(/\/+$/, '');
  let token;
  try {
    const answer = azd(['auth', 'token', '--output', 'json', '--scope', `${arm}/.default`], {
      capture: true,
    });
    token = JSON.parse(answer).token;
    if (typeof token !== 'string' || token === '') throw new Error('azd auth token returned no token');
  } catch (error) {
    return { state: 'unknown', detail: error instanceof Error ? error.message : String(error) };
  }
  const path = `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Web/sites/${app}/functions/${fn}`;
  try {
    const response = await fetch(`${arm}${path}?api-version=${SITES_API_VERSION}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(20_000),
    });
    await response.body?.cancel();
    if (response.ok) return { state: 'present', detail: `${app}/${fn}` };
    // 404 covers a missing resource group, function app or function alike.
    if (response.status === 404)
      return { state: 'missing', detail: `${fn} is not deployed in ${app} (${group})` };
    return {
      state: 'unknown',
      detail: `Azure Resource Manager answered ${response.status} for ${app}/${fn}`,
    };
  } catch (error) {
    return { state: 'unknown', detail: error instanceof Error ? error.message : String(error) };
  }
}

/** @param {NodeJS.ProcessEnv} env */
async function preprovision(env) {
  if (env[FLAG] !== 'true' || env[PHASE_TWO] === '1') return;
  const { state, detail } = await auditFunctionState(env);
  if (state === 'missing') {
    console.log(`The audit function ${detail}: provisioning phase one (no Event Grid subscriptions).`);
    console.log('The postdeploy hook adds the subscriptions once the code is deployed.');
    setFlag('false');
  } else if (state === 'unknown') {
    console.warn(`Could not check that the audit function exists (${detail}); keeping ${FLAG}=true.`);
    console.warn(
      `If provisioning fails with "Destination endpoint not found", run \`azd env set ${FLAG} false\`.`,
    );
  }
}

/** @param {NodeJS.ProcessEnv} env */
function postdeploy(env) {
  if (env[FLAG] === 'true') {
    console.log('Event Grid subscriptions are already part of provisioning; nothing to do.');
    return;
  }
  console.log(`Code deployed: provisioning the Event Grid subscriptions (${FLAG}=true).`);
  setFlag('true');
  azd(['provision', '--no-prompt'], { env: { ...env, [PHASE_TWO]: '1' } });
}

function postdown() {
  console.log(`Resources removed: the next provision starts in phase one (${FLAG}=false).`);
  setFlag('false');
}

/** @type {Record<string, (env: NodeJS.ProcessEnv) => void | Promise<void>>} */
const HOOKS = { preprovision, postdeploy, postdown };

const hook = HOOKS[process.argv[2] ?? ''];
if (!hook) {
  console.error(`usage: node scripts/azd-hooks.mjs ${Object.keys(HOOKS).join('|')}`);
  process.exit(2);
}
try {
  await hook(process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
