import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { declineCommand, shellWord } from '../../../src/domain/policies/command-line.js';

describe('policy paths on a command line', () => {
  it('a plain path stays as it is; one a shell would read is single-quoted, a quote inside kept', () => {
    expect(shellWord('notifications.templates.promise_withdrawn')).toBe('notifications.templates.promise_withdrawn');
    expect(shellWord('templates["on_hold:payment"]')).toBe(`'templates["on_hold:payment"]'`);
    expect(shellWord('rules[id=credit.over_1000]')).toBe(`'rules[id=credit.over_1000]'`);
    expect(shellWord(`it's`)).toBe(`'it'\\''s'`);
  });

  it('the printed command, run by a real shell, hands each path over exactly', () => {
    const paths = ['notifications.templates.promise_withdrawn', 'templates["on_hold:payment"]', 'rules[id=credit.over_1000]', `a b's $HOME *`];
    const cmd = declineCommand('decline', 'orders', paths);
    expect(cmd.startsWith('omniops policies decline orders ')).toBe(true);
    // `set --` takes the same words the shell would give omniops; print them one per line.
    const words = execFileSync('/bin/sh', ['-c', `set -- ${cmd.slice('omniops '.length)}; printf '%s\\n' "$@"`], { encoding: 'utf8' }).trimEnd().split('\n');
    expect(words).toEqual(['policies', 'decline', 'orders', ...paths, '--reason', '<why>']);
  });
});
