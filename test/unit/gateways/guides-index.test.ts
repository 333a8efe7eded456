import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUIDES_DIR, readGuide } from './guide-files.js';

/** Every guide says whether it is tested, and both READMEs link every guide. */
const guides = readdirSync(GUIDES_DIR).filter((name) => name !== 'README.md');
const TESTED = new Set(['nginx.conf', 'Caddyfile']);

describe('docs/gateways guides', () => {
  it.each(guides)('%s says in its opening lines whether it is tested, and by what', (name) => {
    const opening = readGuide(name).split('\n').slice(0, 6).join('\n');
    expect(opening).toMatch(TESTED.has(name) ? /\bTESTED: test\/integration\// : /\bUNTESTED\b/);
    const named = /test\/(integration|unit\/gateways)\/[\w.-]+\.test\.ts/.exec(opening)?.[0] ?? '(none)';
    expect(existsSync(join(GUIDES_DIR, '..', '..', named)), named).toBe(true);
  });

  it('are all linked from the gateway README table and the main README table', () => {
    const gatewayReadme = readGuide('README.md');
    const mainReadme = readFileSync(join(GUIDES_DIR, '..', '..', 'README.md'), 'utf8');
    for (const name of guides) {
      expect(gatewayReadme, name).toContain(`](${name})`);
      expect(mainReadme, name).toContain(`](docs/gateways/${name})`);
    }
  });
});
