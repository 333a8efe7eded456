import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFunctions } from '../../../local/host/load.js';
import { compileRoute } from '../../../local/host/routes.js';
import { parseSchedule, resolveSchedule } from '../../../local/host/timers.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  maxBodyBytesSetting,
  registerHttp,
} from '../../../shared/platform/registry.js';

describe('function registrations', () => {
  it('every function file registers a valid, uniquely named definition', async () => {
    const definitions = await loadFunctions(join(import.meta.dirname, '..', '..', '..', 'functions'));
    expect(definitions.map((d) => d.name)).toContain('health');
    const names = definitions.map((d) => d.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    for (const definition of definitions) {
      expect(typeof definition.handler).toBe('function');
      if (definition.kind === 'http') {
        expect(() => compileRoute(definition.route)).not.toThrow();
        expect(definition.methods.length).toBeGreaterThan(0);
        expect(['anonymous', 'function', 'admin']).toContain(definition.authLevel);
      }
      if (definition.kind === 'timer') {
        expect(() => parseSchedule(resolveSchedule(definition.schedule, { ...process.env }))).not.toThrow();
      }
    }
  });

  it('refuses a second function with the same name and invalid names', () => {
    const options = { methods: ['GET' as const], authLevel: 'anonymous' as const, handler: async () => ({}) };
    registerHttp('dupe-check', options);
    expect(() => registerHttp('Dupe-Check', options)).toThrow(/registered twice/);
    expect(() => registerHttp('bad name', options)).toThrow(/Invalid function name/);
  });

  it('reads the body limit, falling back to 1 MiB for anything but a positive integer', () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(1024 * 1024);
    expect(maxBodyBytesSetting({ Http__MaxRequestBodyBytes: '65536' })).toBe(65536);
    for (const bad of [undefined, '', 'abc', '0', '-5', '1.5']) {
      expect(maxBodyBytesSetting({ Http__MaxRequestBodyBytes: bad }), String(bad)).toBe(
        DEFAULT_MAX_BODY_BYTES,
      );
    }
  });
});
