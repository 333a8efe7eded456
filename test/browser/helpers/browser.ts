import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { RunningIdentity } from '../../../local/entra/identity.js';
import { findGatewayBinary } from '../../integration/helpers/gateway-binary.js';

/**
 * Headless Chromium for the dashboard's browser tests: Debian's `chromium` (`CHROMIUM_BIN` picks
 * another binary) driven by playwright-core, which downloads nothing when given the executable.
 * Missing outside CI: `{ skipReason }` (the test skips, saying why); with `CI` set: an error.
 *
 * TLS: the stand-ins present their leaf with the local CA (local/tls/ca.ts); the browser accepts
 * exactly that CA's key (`--ignore-certificate-errors-spki-list`, the SHA-256 of its public key),
 * not every certificate error.
 */
export type Launched =
  | { browser: Browser; skipReason?: undefined }
  | { browser?: undefined; skipReason: string };

function localCaSpki(): string {
  const dir = process.env.LOCAL_TLS_DIR;
  if (!dir)
    throw new Error('LOCAL_TLS_DIR is not set: run under the integration project (test/global-setup.ts)');
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
  return createHash('sha256')
    .update(ca.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

export async function launchBrowser(env: NodeJS.ProcessEnv = process.env): Promise<Launched> {
  const found = findGatewayBinary(
    {
      command: 'chromium',
      envVar: 'CHROMIUM_BIN',
      missingReason: "Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)",
    },
    env,
  );
  if (found.state === 'skip') return { skipReason: found.reason };
  if (found.state === 'fail') throw new Error(found.reason);
  const browser = await chromium.launch({
    executablePath: found.path,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', `--ignore-certificate-errors-spki-list=${localCaSpki()}`],
  });
  return { browser };
}

export type DemoUser = 'reader' | 'visitor';

/**
 * On the stand-in's login page (after the page's "Sign in" sent the browser there): fills in the
 * seeded person's email and password and submits; resolves when the browser is back on the app.
 */
export async function signIn(
  page: Page,
  stack: { identity?: RunningIdentity },
  user: DemoUser,
): Promise<void> {
  const identity = stack.identity;
  if (!identity) throw new Error('signIn needs a stack with the identity stand-ins');
  const person = identity.apps.people[user];
  const authority = new URL(identity.authorityHost).origin;
  await page.waitForURL((url) => url.origin === authority && url.pathname.includes('/login/'));
  await page.getByLabel('Email or username').fill(person.userPrincipalName);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.origin !== authority);
}
