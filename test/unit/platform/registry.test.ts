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
import { capability } from '../../../shared/platform/runtime.js';

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

describe('the capability guard', () => {
  const context = () => {
    const lines: string[] = [];
    const log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    return {
      lines,
      context: { invocationId: 'inv-9', debug: log, info: log, warn: log, error: log } as never,
    };
  };

  it('answers 503 with every problem (and logs them) while the capability is not configured', async () => {
    let calls = 0;
    const broken = capability('Widgets', () => ({
      ok: false as const,
      problems: ['Widgets__Size: must be an integer 0 or more'],
    }));
    const definition = registerHttp('guard-broken', {
      methods: ['GET'],
      authLevel: 'anonymous',
      capability: broken,
      handler: async () => {
        calls += 1;
        return { status: 200 };
      },
    });
    const { lines, context: ctx } = context();
    const response = await definition.handler({ headers: new Headers() } as never, ctx);
    expect(calls).toBe(0);
    expect(response.status).toBe(503);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'retry-after': '60',
    });
    expect(JSON.parse(String(response.body))).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      code: 'configuration_invalid',
      detail: 'Widgets is not configured correctly.',
      problems: ['Widgets__Size: must be an integer 0 or more'],
    });
    expect(lines.join('\n')).toContain('Widgets__Size: must be an integer 0 or more');
  });

  it('hands a ready runtime to the handler, built once for every function of the capability', async () => {
    let builds = 0;
    const ready = capability('Gadgets', () => {
      builds += 1;
      return { ok: true as const, size: 7 };
    });
    const options = {
      methods: ['GET' as const],
      authLevel: 'anonymous' as const,
      capability: ready,
      handler: async (_r: unknown, _c: unknown, runtime: { size: number }) => ({
        status: 200,
        body: String(runtime.size),
      }),
    };
    const one = registerHttp('guard-ready-1', options);
    const two = registerHttp('guard-ready-2', options);
    const { context: ctx } = context();
    expect((await one.handler({ headers: new Headers() } as never, ctx)).body).toBe('7');
    expect((await two.handler({ headers: new Headers() } as never, ctx)).body).toBe('7');
    expect(builds).toBe(1);
  });
});
