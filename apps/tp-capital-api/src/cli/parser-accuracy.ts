// `npx nx run tp-capital-api:parser-accuracy [-- <corpus.json> …] [--min 0.99]`: prints the parser's
// field-exact accuracy over the repository's corpus, or over corpora kept elsewhere in the same shape;
// fails when the whole corpus or any one layout is below the target.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARSER_VERSION } from '../parser/signal-parser';
import { formatScore, scoreCorpus, type Corpus } from '../parser/corpus/score';

function main() {
  const args = process.argv.slice(2);
  const minAt = args.indexOf('--min');
  const min = minAt >= 0 ? Number(args[minAt + 1]) : 0.99;
  const files = args.filter((_arg, i) => minAt < 0 || (i !== minAt && i !== minAt + 1));
  const paths = files.length ? files : [join(__dirname, '../parser/corpus/posts.json')];
  let failed = false;
  for (const path of paths) {
    const corpus = JSON.parse(readFileSync(path, 'utf8')) as Corpus;
    const score = scoreCorpus(corpus);
    console.log(`parser v${PARSER_VERSION} on ${path}`);
    console.log(formatScore(score));
    // The target holds per layout: a layout the corpus holds few posts of cannot hide behind the others.
    const below = Object.entries(score.byLayout).filter(([, s]) => s.fieldsExact / s.fields < min);
    for (const [layout] of below) console.error(`layout ${layout} is below ${(min * 100).toFixed(1)} %`);
    if (score.accuracy < min || below.length) failed = true;
  }
  if (failed) {
    console.error(`accuracy below ${(min * 100).toFixed(1)} %`);
    process.exit(1);
  }
}

main();
