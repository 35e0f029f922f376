import { readFileSync } from 'node:fs';

/** One request/response pair recorded from a real Odoo 19.0 community server (docs/odoo.md). */
export interface Capture {
  label: string;
  path: string;
  status: number;
  request: unknown;
  requestHeaders: Record<string, string>;
  response: unknown;
  ms: number;
}

export function loadCaptures(): Capture[] {
  return JSON.parse(readFileSync(new URL('./captures/odoo19-captures.json', import.meta.url), 'utf8')) as Capture[];
}
