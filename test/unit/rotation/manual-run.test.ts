import { describe, expect, it } from 'vitest';
import { parseManualRun } from '../../../shared/rotation/manual-run.js';

/** The body of `POST /api/rotation/run`: what becomes a run request, and what answers 400. */
const APP_ID = '6f1c3a52-9a0b-4c1e-8d2f-0a1b2c3d4e5f';

describe('parseManualRun', () => {
  it.each([
    ['', { trigger: 'manual' }],
    ['  ', { trigger: 'manual' }],
    ['{}', { trigger: 'manual' }],
    ['{"dryRun":true}', { trigger: 'manual', dryRun: true }],
    ['{"dryRun":false}', { trigger: 'manual' }],
    [`{"appId":"${APP_ID}"}`, { trigger: 'manual', appId: APP_ID }],
    [
      `{"appId":"${APP_ID.toUpperCase()}","dryRun":true}`,
      { trigger: 'manual', dryRun: true, appId: APP_ID.toUpperCase() },
    ],
  ])('%j runs %j', (body, request) => {
    expect(parseManualRun(body)).toEqual(request);
  });

  it.each([
    ['{', /must be JSON/],
    ['null', /JSON object/],
    ['"dryRun"', /JSON object/],
    ['[{"dryRun":true}]', /JSON object/],
    ['{"input":"{\\"dryRun\\":true}"}', /Unknown field\(s\): "input"/],
    ['{"dryRun":1}', /"dryRun" must be true or false/],
    ['{"appId":42}', /"appId" must be an application \(client\) id/],
    [`{"appId":"${APP_ID}x"}`, /"appId" must be an application \(client\) id/],
  ])('%j answers 400', (body, detail) => {
    const answer = parseManualRun(body);
    expect(answer).toMatchObject({ status: 400, headers: { 'content-type': 'application/problem+json' } });
    const problem = JSON.parse((answer as { body: string }).body);
    expect(problem).toMatchObject({ status: 400, code: 'bad_request' });
    expect(problem.detail).toMatch(detail);
  });
});
