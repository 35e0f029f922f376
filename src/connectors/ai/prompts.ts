import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Prompts are versioned files (ai/prompts/<task>.<version>.md). A changed prompt is a new file with a
 * new version, never an edit in place, so every stored answer names the exact text that produced it.
 */
export type PromptTask = 'return-reason' | 'disposition' | 'ticket-triage';

export interface Prompt {
  readonly version: string;
  readonly text: string;
}

export function defaultPromptsDir(): string {
  return fileURLToPath(new URL('../../../ai/prompts/', import.meta.url));
}

export function loadPrompt(task: PromptTask, version: string, dir = defaultPromptsDir()): Prompt {
  return { version: `${task}.${version}`, text: readFileSync(`${dir}/${task}.${version}.md`, 'utf8') };
}
