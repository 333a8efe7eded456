export const DASHBOARD_DIR: string;
export const ASSETS_URL: string;
export function renderIndex(template: string, assets: Record<string, string>): string;
export function buildDashboard(
  root: string,
  out?: string,
): Promise<{ dir: string; files: string[]; bytes: number }>;
