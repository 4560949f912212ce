/**
 * `npm run data [-- --out DIR]`: downloads the four original Fashion-MNIST files from the
 * dataset's official address and checks their published MD5 sums. The default DIR is
 * ../shared/data/fashion-mnist (beside the repository), the first place the trainer looks.
 */
import { Command } from 'commander';
import { DEFAULT_DATA_DIRS } from '../trainer/data/fashion-mnist.ts';
import { downloadFashionMnist, FASHION_MNIST_BASE_URL } from '../trainer/data/download.ts';
import { exitWithError } from '../trainer/cli/fail.ts';

const program = new Command('npm run data --')
  .description(`Download Fashion-MNIST from ${FASHION_MNIST_BASE_URL} and check the MD5 sums`)
  .option('--out <dir>', 'directory to write the four .gz files into', DEFAULT_DATA_DIRS[0])
  .parse();
const { out } = program.opts<{ out: string }>();

try {
  await downloadFashionMnist(
    out,
    (url) => fetch(url),
    (line) => console.log(line),
  );
  console.log(`Fashion-MNIST is in ${out}`);
} catch (err) {
  exitWithError('data', err);
}
