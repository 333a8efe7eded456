import { describe, expect, it } from 'vitest';
import {
  defaultOf,
  type SettingsCatalogue,
  settingsReader,
} from '../../../shared/platform/settings-reader.js';

const specs: SettingsCatalogue = [
  { name: 'A__Seconds', description: 'd', default: '30', deploy: 'optional' },
  { name: 'A__Count', description: 'd', default: '8', deploy: 'optional' },
  { name: 'A__Flag', description: 'd', default: 'false', deploy: 'optional' },
  { name: 'A__List', description: 'd', default: 'x,y', deploy: 'optional' },
  { name: 'A__Text', description: 'd', deploy: 'optional' },
  { name: 'A__Secret', description: 'd', default: '1', deploy: 'optional', secret: true },
];

describe('settingsReader', () => {
  it('reads each type, taking the default from the spec when unset or blank', () => {
    const unset = settingsReader({ A__Seconds: '  ' }, specs);
    expect(unset.seconds('A__Seconds')).toBe(30);
    expect(unset.int('A__Count')).toBe(8);
    expect(unset.bool('A__Flag')).toBe(false);
    expect(unset.list('A__List')).toEqual(['x', 'y']);
    expect(unset.string('A__Text')).toBeUndefined();
    expect(unset.problems).toEqual([]);

    const set = settingsReader(
      { A__Seconds: '1.5', A__Count: ' 12 ', A__Flag: 'TRUE', A__List: ' a, ,b ', A__Text: ' t ' },
      specs,
    );
    expect(set.seconds('A__Seconds')).toBe(1.5);
    expect(set.int('A__Count')).toBe(12);
    expect(set.bool('A__Flag')).toBe(true);
    expect(set.list('A__List')).toEqual(['a', 'b']);
    expect(set.string('A__Text')).toBe('t');
    expect(set.problems).toEqual([]);
    expect(defaultOf(specs, 'A__Count')).toBe('8');
  });

  it('reports every bad value by name (never the value) and reads the default instead', () => {
    const reader = settingsReader(
      { A__Seconds: '-1', A__Count: '2.5', A__Flag: 'yes', A__Secret: 'p@ss-not-a-number' },
      specs,
    );
    expect(reader.seconds('A__Seconds')).toBe(30);
    expect(reader.int('A__Count', { min: 1, max: 10 })).toBe(8);
    expect(reader.bool('A__Flag')).toBe(false);
    expect(reader.int('A__Secret')).toBe(1);
    expect(reader.problems).toEqual([
      'A__Seconds: must be a number 0 or more',
      'A__Count: must be an integer from 1 to 10',
      'A__Flag: must be true or false',
      'A__Secret: must be an integer 0 or more',
    ]);
    expect(reader.problems.join()).not.toContain('p@ss');
  });

  it('enforces bounds, and refuses a read that is not declared', () => {
    const reader = settingsReader({ A__Count: '11' }, specs);
    expect(reader.int('A__Count', { max: 10 })).toBe(8);
    expect(reader.problems).toEqual(['A__Count: must be an integer from 0 to 10']);
    expect(() => reader.int('Undeclared')).toThrow(/not declared/);
    expect(() => reader.int('A__Text')).toThrow(/no default/);
  });
});
