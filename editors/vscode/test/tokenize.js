// Tokenizes .journey files with the extension's TextMate grammar, the way
// VS Code does (vscode-textmate on the Oniguruma regex engine), and prints
// what it found so that tests/editor_grammar.rs can check it.
//
// Usage: node test/tokenize.js FILE...
//
// Output: one JSON object per source line, in order:
//   {"file": F, "line": N, "depth": D, "tokens": [[start, end, [scope...]], ...]}
// `line` counts from 0, `start` and `end` are UTF-16 offsets into the line,
// and `depth` is the depth of the grammar's rule stack after the line: 1 when
// no region (block, string, declaration) is left open.
'use strict';

const fs = require('fs');
const path = require('path');
const textmate = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const extensionDir = path.join(__dirname, '..');
const grammarPath = path.join(extensionDir, 'syntaxes', 'journey.tmLanguage.json');

async function loadGrammar() {
  const wasmPath = require.resolve('vscode-oniguruma/release/onig.wasm');
  await oniguruma.loadWASM(fs.readFileSync(wasmPath).buffer);

  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.journey') {
        return null;
      }
      const text = fs.readFileSync(grammarPath, 'utf8');
      return textmate.parseRawGrammar(text, grammarPath);
    },
  });
  return registry.loadGrammar('source.journey');
}

function tokenizeFile(grammar, file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') {
    lines.pop();
  }

  let state = textmate.INITIAL;
  const out = [];
  lines.forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    const result = grammar.tokenizeLine(line, state, 5000);
    if (result.stoppedEarly) {
      throw new Error(`${file}:${index + 1}: tokenizing stopped after 5 s`);
    }
    state = result.ruleStack;

    const tokens = result.tokens.map((token, i) => {
      const end = i + 1 < result.tokens.length ? result.tokens[i + 1].startIndex : line.length;
      return [token.startIndex, end, token.scopes];
    });
    out.push(JSON.stringify({ file, line: index, depth: state.depth, tokens }));
  });
  return out;
}

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    throw new Error('usage: node test/tokenize.js FILE...');
  }

  const grammar = await loadGrammar();
  if (!grammar) {
    throw new Error(`could not load the grammar ${grammarPath}`);
  }
  for (const file of files) {
    process.stdout.write(tokenizeFile(grammar, file).join('\n') + '\n');
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
