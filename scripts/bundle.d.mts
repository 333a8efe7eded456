export const BUNDLE: string;
export const EXTERNAL: string[];
export function functionFiles(root: string): string[];
export function entrySource(root: string): string;
export function bundle(root: string): Promise<{ file: string; bytes: number }>;
