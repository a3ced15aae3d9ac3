// Fails when a function in src/, machines/, scripts/ or bench/ spans more than 80 lines (issue: "no function
// over 80 lines outside tests"). The span is counted from the first to the last line of the function,
// comments and blank lines included, so a closure cannot hide its helpers inside itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const MAX = 80;
const files = ['src', 'machines', 'scripts', 'bench'].flatMap((dir) =>
  readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => /\.(ts|mts|mjs|js)$/.test(f) && !f.endsWith('.d.ts')),
);
const long = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MAX) {
        const name = node.name?.getText(source) ?? node.parent?.name?.getText?.(source) ?? '(anonymous)';
        long.push(`${file}:${first + 1} ${name} spans ${lines} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
if (long.length > 0) {
  console.error(`Functions over ${MAX} lines:\n${long.join('\n')}`);
  process.exit(1);
}
console.log(`${files.length} files, no function over ${MAX} lines`);
