/**
 * Policy paths as a shell takes them. A path that `newInDefaults` lists may hold characters a shell
 * reads itself (`templates["on_hold:payment"]`, `rules[id=credit.over_1000]`): printed bare in a
 * ready-made command, a pasted decline sent the shell's reading of it and was refused as not new.
 */

/** One word for a POSIX shell: as it is when nothing in it is special, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_.,:/=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that declines (or takes back the decline of) these paths, ready to paste; only the reason is left to write. */
export function declineCommand(verb: 'decline' | 'undecline', kind: string, paths: readonly string[]): string {
  return `omniops policies ${verb} ${shellWord(kind)} ${paths.map(shellWord).join(' ')} --reason '<why>'`;
}
