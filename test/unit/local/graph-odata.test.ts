import { describe, expect, it } from 'vitest';
import { GraphError } from '../../../local/graph/errors.js';
import {
  parseEqFilter,
  parseSelect,
  parseTop,
  project,
  rejectUnknownOptions,
} from '../../../local/graph/odata.js';

const PROPS = ['id', 'appId', 'keyCredentials'] as const;
const TYPE = 'microsoft.graph.application';

function graphError(run: () => unknown): GraphError {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphError) return error;
    throw error;
  }
  throw new Error('expected a GraphError');
}

describe('$select', () => {
  it.each([
    [null, undefined],
    ['id', ['id']],
    ['ID,AppId', ['id', 'appId']], // property names are case-insensitive
    [' appId , keyCredentials ', ['appId', 'keyCredentials']],
    ['appId,appid', ['appId']],
  ])('%s -> %j', (raw, expected) => {
    expect(parseSelect(raw, PROPS, TYPE)).toEqual(expected);
  });

  it.each([
    ['secretText', "Could not find a property named 'secretText' on type 'microsoft.graph.application'."],
    ['id,', "Invalid $select value 'id,'."],
    ['', "Invalid $select value ''."],
  ])('refuses %j with 400', (raw, message) => {
    const error = graphError(() => parseSelect(raw, PROPS, TYPE));
    expect([error.status, error.code, error.message]).toEqual([400, 'Request_BadRequest', message]);
  });

  it('projects only the selected properties, plus the ones always kept', () => {
    const value = { '@odata.type': '#t', id: '1', appId: 'a', keyCredentials: [] };
    expect(project(value, undefined)).toBe(value);
    expect(project(value, ['appId'], ['@odata.type'])).toEqual({ '@odata.type': '#t', appId: 'a' });
  });
});

describe('$top', () => {
  it.each([
    [null, 100],
    ['1', 1],
    ['999', 999],
  ])('%s -> %d', (raw, expected) => {
    expect(parseTop(raw, 100)).toBe(expected);
  });

  it.each(['0', '1000', '-1', '2.5', 'ten', '', '1e2'])('refuses %j with Request_UnsupportedQuery', (raw) => {
    const error = graphError(() => parseTop(raw, 100));
    expect([error.status, error.code]).toEqual([400, 'Request_UnsupportedQuery']);
    expect(error.message).toBe(`Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`);
  });
});

describe('$filter (one eq clause)', () => {
  it.each([
    ["appId eq 'abc'", { property: 'appId', value: 'abc' }],
    ["  KEYID  EQ  'k-1'  ", { property: 'keyId', value: 'k-1' }],
    ["appId eq 'O''Brien'", { property: 'appId', value: "O'Brien" }],
    ["appId eq ''", { property: 'appId', value: '' }],
  ])('%s', (raw, expected) => {
    expect(parseEqFilter(raw, ['appId', 'keyId'])).toEqual(expected);
  });

  it.each([
    "displayName eq 'x'",
    "appId ne 'x'",
    'appId eq x',
    "appId eq 'a' or keyId eq 'b'",
    "appId eq 'unterminated",
  ])('refuses %j', (raw) => {
    expect(graphError(() => parseEqFilter(raw, ['appId', 'keyId'])).code).toBe('Request_UnsupportedQuery');
  });

  it('is absent without $filter', () => {
    expect(parseEqFilter(null, ['appId'])).toBeUndefined();
  });
});

describe('system query options a route does not serve', () => {
  it('refuses unknown $ options but leaves other parameters alone', () => {
    expect(() => rejectUnknownOptions(new URLSearchParams('$top=1&api-version=x'), ['$top'])).not.toThrow();
    const error = graphError(() => rejectUnknownOptions(new URLSearchParams('$skip=5'), ['$top']));
    expect([error.status, error.code]).toEqual([400, 'Request_UnsupportedQuery']);
  });
});
