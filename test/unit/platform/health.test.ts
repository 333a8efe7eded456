import { describe, expect, it } from 'vitest';
import { checkHealth } from '../../../shared/health/health.js';

describe('health report', () => {
  it('is healthy when every probe succeeds, with a latency per check', async () => {
    const report = await checkHealth([{ name: 'storage', probe: async () => undefined }], {
      version: '1.2.3',
      timeoutMs: 1000,
    });
    expect(report).toMatchObject({
      status: 'healthy',
      version: '1.2.3',
      checks: [{ name: 'storage', status: 'healthy' }],
    });
    expect(report.checks[0]?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('names the failing part, redacts its error and times out hung probes', async () => {
    const report = await checkHealth(
      [
        {
          name: 'storage',
          probe: async () => Promise.reject(new Error('denied: AccountKey=abc123==;\nsecond line')),
        },
        { name: 'vault', probe: () => new Promise(() => undefined) },
        { name: 'idp', probe: async () => undefined },
      ],
      { version: '1', timeoutMs: 50 },
    );
    expect(report.status).toBe('unhealthy');
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName.storage?.status).toBe('unhealthy');
    expect(byName.storage?.error).not.toContain('abc123');
    expect(byName.storage?.error).not.toContain('second line');
    expect(byName.vault).toMatchObject({ status: 'unhealthy', error: 'no answer within 50 ms' });
    expect(byName.idp?.status).toBe('healthy');
  });
});
