/**
 * `npm run train -- --epochs N --batch B --dim D --seed S --out DIR [--data DIR] [--limit N]
 * [--resume] [--workers N] [--shift PX] [--noise STD] [--scale S] [--contrast J] [--[no-]flip]
 * [--invariance W] [--group N] [--filters LIST] [--backend NAME] [--verbose]
 * [--catalog DIR [--manifest FILE] [--split NAMES] [--size PX]]`: trains the autoencoder on
 * Fashion-MNIST images, or on the RGB photos of a catalog folder (trainer/train-data.ts;
 * corruptions: trainer/data/augment.ts; the two-view invariance term: train-objective.ts).
 * Prints the backend, one parseable line per epoch, and a progress bar within each epoch (on a
 * terminal). Exit status: 0 done, 1 failure, 2 bad options.
 */
import { SingleBar, Presets } from 'cli-progress';
import { initBackend } from '../backend.ts';
import { runTraining, trainConfigOf } from '../train-run.ts';
import { OptionError, parseTrainOptions, trainHelp } from './options.ts';
import { exitWithError } from './fail.ts';

let options;
try {
  options = parseTrainOptions(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof OptionError)) throw err;
  console.error(`train: ${err.message} (see npm run train -- --help)`);
  process.exit(2);
}
if (options === 'help') {
  console.log(trainHelp());
  process.exit(0);
}

const bar = new SingleBar(
  {
    format: 'epoch {epoch} [{bar}] {value}/{total} batches, loss {loss}, eta {eta}s',
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
  },
  Presets.shades_classic,
);
try {
  const backend = await initBackend(options.backend);
  console.log(`backend: ${backend.name} (${backend.package})`);
  if (options.verbose) console.log(`config: ${JSON.stringify(trainConfigOf(options))}`);
  const loadingBar = new SingleBar(
    { format: 'read images [{bar}] {value}/{total}, eta {eta}s', stream: process.stderr },
    Presets.shades_classic,
  );
  const command = ['npm run train --', ...process.argv.slice(2)].join(' ');
  await runTraining({ ...options, command }, backend, {
    line: (text) => console.log(text),
    loading: (done, total) => {
      if (done === 1) loadingBar.start(total, 0);
      loadingBar.update(done);
      if (done === total) loadingBar.stop();
    },
    epochStart: (epoch, steps) => bar.start(steps, 0, { epoch, loss: '-' }),
    batch: (done, _total, loss) => bar.update(done, { loss: loss.toFixed(5) }),
    epochEnd: () => bar.stop(),
  });
  console.log(`done: model in ${options.out} (encoder/model.json, manifest.json)`);
} catch (err) {
  bar.stop();
  exitWithError('train', err, options.verbose);
}
