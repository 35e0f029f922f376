/**
 * RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. The first line is the header.
 * Returns rows as objects keyed by header name, each with its 1-based line number for errors.
 */
export function parseCsv(text: string): Array<{ line: number; values: Record<string, string> }> {
  const records: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') { cells.push(cell); cell = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      cells.push(cell);
      if (cells.some((x) => x !== '')) records.push({ line: recordLine, cells });
      cells = []; cell = ''; line++; recordLine = line;
    } else cell += c;
  }
  cells.push(cell);
  if (cells.some((x) => x !== '')) records.push({ line: recordLine, cells });
  const [header, ...rows] = records;
  if (!header) return [];
  const names = header.cells.map((h) => h.trim());
  return rows.map((r) => ({ line: r.line, values: Object.fromEntries(names.map((n, i) => [n, (r.cells[i] ?? '').trim()])) }));
}
