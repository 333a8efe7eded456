/**
 * RFC 4180 CSV: CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled.
 * Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR: OWASP
 * "CSV Injection") gets a leading apostrophe first, so it shows as text.
 */
export type CsvValue = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvText(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  // Numbers and booleans are ours, never formulas (a negative daysLeft stays a number).
  const text = typeof value === 'string' ? csvText(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvValue[]>): string {
  const lines = [header, ...rows].map((row) => row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
