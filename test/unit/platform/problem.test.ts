import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/platform/errors.js';
import { errorResponse } from '../../../shared/platform/problem.js';

describe('error responses', () => {
  it.each([
    ['bad_request', 400],
    ['payload_too_large', 413],
    ['upstream_rejected', 502],
    ['dependency_unavailable', 503],
  ] as const)('maps %s to %i problem+json', (code, status) => {
    const response = errorResponse(new AppError(code, 'why it failed'), 'inv-1');
    expect(response.status).toBe(status);
    expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(String(response.body))).toMatchObject({
      status,
      code,
      detail: 'why it failed',
      invocationId: 'inv-1',
    });
  });

  it('adds Retry-After for transient errors', () => {
    const response = errorResponse(new AppError('dependency_unavailable', 'down', { retryAfterSeconds: 30 }));
    expect(response.headers).toMatchObject({ 'retry-after': '30' });
  });

  it('hides the message of untyped errors', () => {
    const response = errorResponse(new Error('internal detail with a password'), 'inv-2');
    expect(response.status).toBe(500);
    expect(String(response.body)).not.toContain('password');
    expect(JSON.parse(String(response.body)).invocationId).toBe('inv-2');
  });
});
