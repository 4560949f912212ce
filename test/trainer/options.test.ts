import { describe, expect, it } from 'vitest';
import { parseTrainOptions, trainHelp } from '../../trainer/cli/options.ts';

describe('npm run train options', () => {
  it('resolves defaults, and --out from --dim', () => {
    expect(parseTrainOptions(['--dim', '32', '--seed', '5'])).toMatchObject({
      epochs: 30,
      whiten: 1,
      whitenShrink: 1,
      shift: 1,
      batch: 128,
      dim: 32,
      seed: 5,
      out: 'artifacts/models/fmnist-d32',
      resume: false,
      backend: 'auto',
    });
    expect(parseTrainOptions(['--out', 'x', '--limit', '1000', '--resume'])).toMatchObject({
      out: 'x',
      limit: 1000,
      resume: true,
    });
  });

  it.each([
    [['--epochs', '0'], '--epochs 0: must be an integer from 1 to 1000'],
    [['--epochs', '2.5'], '--epochs 2.5: must be an integer from 1 to 1000'],
    [['--batch', 'many'], '--batch many: must be an integer from 8 to 4096'],
    [['--dim', '1'], '--dim 1: must be an integer from 2 to 1024'],
    [['--seed', '-3'], '--seed -3: must be an integer from 0 to 4294967295'],
    [['--lr', '0'], '--lr 0: must be a number in (0, 1]'],
    [['--whiten-shrink', '-1'], '--whiten-shrink -1: must be a number from 0 to 100, e.g. 1'],
    [['--limit', '100'], '--limit 100: must be at least twice --batch 128'],
    [['--shift', '9'], '--shift 9: must be an integer from 0 to 8'],
    [['--noise', '-0.1'], '--noise -0.1: must be a number from 0 to 1'],
    [['--scale', '0.7'], '--scale 0.7: must be a number from 0 to 0.5'],
    [['--contrast', 'x'], '--contrast x: must be a number from 0 to 0.9'],
    [['--invariance', '-1'], '--invariance -1: must be a number from 0 to 100'],
    [['--invariance', '1', '--group', '48'], '--group 48: must divide the 128 images per thread'],
    [['--filters', '16,0'], '--filters 16,0: must be 1 to 5 comma-separated integers'],
    [['--filters', '16,a'], '--filters 16,a: must be 1 to 5 comma-separated integers'],
    [['--temperature', '0'], '--temperature 0: must be a number from 0.01 to 10'],
    [['--projector', '-1'], '--projector -1: must be an integer from 0 to 4096'],
    [['--contrastive', 'triplet'], "argument 'triplet' is invalid. Allowed choices are"],
    [['--backend', 'gpu'], "argument 'gpu' is invalid. Allowed choices are auto"],
    [['--epoch', '3'], "unknown option '--epoch'"],
    [['--size', '64'], '--size applies to --catalog DIR; pass --catalog too'],
    [['--split', 'train'], '--split applies to --catalog DIR; pass --catalog too'],
    [['--catalog', 'x', '--size', '4'], '--size 4: must be an integer from 8 to 512'],
    [['--catalog', 'x', '--split', 'a,'], '--split a,: must be split names separated by commas'],
    [['--lr-decay', '0'], '--lr-decay 0: must be a number from 0.01 to 1'],
    [['--hue', '2'], '--hue 2: must be a number from 0 to 1'],
    [['--grey', '-1'], '--grey -1: must be a number from 0 to 1'],
  ])('rejects %j naming the option, the value and the rule', (argv, message) => {
    expect(() => parseTrainOptions(argv)).toThrow(message);
  });

  it('parses the corruption, objective and width options', () => {
    const argv = ['--scale', '0.2', '--no-flip', '--invariance', '0.5', '--filters', '8,16'];
    expect(parseTrainOptions([...argv, '--group', '32', '--contrast', '0'])).toMatchObject({
      scale: 0.2,
      flip: false,
      invariance: 0.5,
      group: 32,
      contrast: 0,
      filters: [8, 16],
    });
    expect(parseTrainOptions(['--flip'])).toMatchObject({ flip: true });
    const nce = ['--contrastive', 'infonce', '--temperature', '0.1', '--projector', '128'];
    expect(parseTrainOptions(nce)).toMatchObject({
      contrastive: 'infonce',
      temperature: 0.1,
      projector: 128,
    });
  });

  it('parses a catalog folder run, with its own default --out', () => {
    const argv = ['--catalog', '../shop/', '--split', 'train,validation', '--size', '96'];
    expect(parseTrainOptions([...argv, '--saturation', '0.5', '--lr-decay', '0.97'])).toMatchObject(
      {
        catalog: '../shop/',
        split: ['train', 'validation'],
        size: 96,
        saturation: 0.5,
        lrDecay: 0.97,
        out: 'artifacts/models/shop-96px-d64',
      },
    );
  });

  it('answers --help with the usage', () => {
    expect(parseTrainOptions(['--help'])).toBe('help');
    expect(trainHelp()).toMatch(/--epochs <n>[\s\S]*--resume/);
  });
});
