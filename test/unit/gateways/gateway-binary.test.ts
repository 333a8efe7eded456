import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findGatewayBinary, isCi } from '../../integration/helpers/gateway-binary.js';

const dir = mkdtempSync(join(tmpdir(), 'gateway-bin-'));
const fake = join(dir, 'agw-test-gateway');
writeFileSync(fake, '#!/bin/sh\n');
chmodSync(fake, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = { command: 'agw-test-gateway', envVar: 'AGW_TEST_GATEWAY_BIN', missingReason: 'not here' };
const empty = mkdtempSync(join(dir, 'empty-'));

describe('findGatewayBinary', () => {
  it('finds the command on PATH', () => {
    expect(findGatewayBinary(spec, { PATH: dir })).toEqual({ state: 'found', path: fake });
  });

  it('skips with the reason when absent outside CI, and fails under CI', () => {
    expect(findGatewayBinary(spec, { PATH: empty })).toEqual({ state: 'skip', reason: 'not here' });
    for (const CI of ['true', '1']) {
      const result = findGatewayBinary(spec, { PATH: empty, CI });
      expect(result.state).toBe('fail');
      expect(result.state === 'fail' && result.reason).toContain('not here');
    }
  });

  it('uses the variable when set, and fails (never skips) when it points at nothing', () => {
    expect(findGatewayBinary(spec, { PATH: empty, AGW_TEST_GATEWAY_BIN: fake })).toEqual({
      state: 'found',
      path: fake,
    });
    expect(findGatewayBinary(spec, { PATH: empty, AGW_TEST_GATEWAY_BIN: join(dir, 'missing') }).state).toBe(
      'fail',
    );
  });

  it('reads CI as CI services set it', () => {
    expect([undefined, '', '0', 'false', 'FALSE'].map((CI) => isCi({ CI }))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(['true', '1', 'yes'].map((CI) => isCi({ CI }))).toEqual([true, true, true]);
  });
});
