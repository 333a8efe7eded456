import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../../shared/inventory/csv.js';

describe('CSV (RFC 4180) with the formula-injection guard', () => {
  it.each([
    ['plain', 'plain'],
    ['with, comma', '"with, comma"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tleading tab', "'\tleading tab"],
    ['\rcmd', `"'\rcmd"`],
    ['a=b', 'a=b'],
  ])('%j → %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('leaves numbers, booleans and empty values alone (a negative days-left stays a number)', () => {
    expect(csvField(-5)).toBe('-5');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
  });

  it('writes a header row and CRLF line ends', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x', 1],
          ['=y', null],
        ],
      ),
    ).toBe("a,b\r\nx,1\r\n'=y,\r\n");
  });
});
