/**
 * Checkpoints of a training run (`DIR/checkpoint/`): the model weights, the Adam optimizer's
 * moments and step count, the epoch and the history, enough for `--resume` to continue exactly
 * where the run stopped (the resumed run computes the same weights as an uninterrupted one).
 */
import * as tf from '@tensorflow/tfjs';
import { loadCheckpoint, type NamedTensor, saveCheckpoint } from './checkpoint.ts';
import type { EpochStats, TrainConfig, TrainerState } from './train.ts';
import { initTrainerState } from './train.ts';

/** What a checkpoint records besides tensors; `identity` must match for `--resume`. */
export interface CheckpointState {
  epoch: number;
  history: EpochStats[];
  /** Config and data that determine the run; compared on resume. */
  identity: Record<string, unknown>;
}

/**
 * Config keys that do not decide the weights a checkpoint holds: the epoch count (a run can be
 * extended) and the whitening fitted after the last epoch (a finished run can be refitted with
 * `--resume --whiten α`). They are left out when identities are compared.
 */
const AFTER_TRAINING_KEYS = ['epochs', 'whiten', 'whitenShrink'];

/**
 * The first difference between two identities as `[path, was, now]` (JSON values), leaving out
 * the config's AFTER_TRAINING_KEYS; undefined when they match.
 */
function firstDifference(
  saved: unknown,
  now: unknown,
  path: string[] = [],
): [string, string | undefined, string | undefined] | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(saved) && isObject(now)) {
    for (const key of new Set([...Object.keys(saved), ...Object.keys(now)])) {
      if (path.length === 1 && path[0] === 'config' && AFTER_TRAINING_KEYS.includes(key)) continue;
      const found = firstDifference(saved[key], now[key], [...path, key]);
      if (found) return found;
    }
    return undefined;
  }
  const [was, is] = [JSON.stringify(saved), JSON.stringify(now)];
  return was === is ? undefined : [path.join('.'), was, is];
}

/** Adam's running powers of beta1 and beta2; `setWeights` would recompute them, not restore. */
type AdamInternals = { accBeta1: tf.Variable; accBeta2: tf.Variable };

/** Saves `state` into `dir` with `identity` (resolved config, seed, data sha256s). */
export async function saveTrainerCheckpoint(
  dir: string,
  state: TrainerState,
  identity: Record<string, unknown>,
): Promise<void> {
  const { encoder, decoder, projector } = state.model;
  const weights: NamedTensor[] = [
    ...encoder.weights.map((w) => ({ name: `encoder/${w.originalName}`, tensor: w.read() })),
    ...decoder.weights.map((w) => ({ name: `decoder/${w.originalName}`, tensor: w.read() })),
    ...(projector?.weights ?? []).map((w) => ({
      name: `projector/${w.originalName}`,
      tensor: w.read(),
    })),
  ];
  const adam = state.optimizer as unknown as AdamInternals;
  const slots = (await state.optimizer.getWeights()).map((t) => ({
    name: `optimizer/${t.name}`,
    tensor: t.tensor,
  }));
  const extra = [
    { name: 'adam/accBeta1', tensor: adam.accBeta1 as tf.Tensor },
    { name: 'adam/accBeta2', tensor: adam.accBeta2 as tf.Tensor },
  ];
  const checkpoint: CheckpointState = { epoch: state.epoch, history: state.history, identity };
  saveCheckpoint(dir, checkpoint, [...weights, ...slots, ...extra]);
}

/**
 * Restores the state saved in `dir`. Throws, naming the first difference, if the checkpoint's
 * identity differs from `identity` (another config, seed or data set).
 */
export async function loadTrainerCheckpoint(
  dir: string,
  config: TrainConfig,
  identity: Record<string, unknown>,
): Promise<TrainerState> {
  const { state: saved, tensors } = loadCheckpoint<CheckpointState>(dir);
  const difference = firstDifference(saved.identity, identity);
  if (difference) {
    const [key, was, now] = difference;
    throw new Error(
      `--resume: the checkpoint in ${dir} has ${key}=${was}, this run has ` +
        `${key}=${now}; resume with the same options or start a new --out`,
    );
  }
  const state = initTrainerState(config);
  const take = (name: string): tf.Tensor => {
    const t = tensors.get(name);
    if (t === undefined) throw new Error(`${dir}: checkpoint lacks tensor ${name}`);
    return t;
  };
  const { encoder, decoder, projector } = state.model;
  encoder.setWeights(encoder.weights.map((w) => take(`encoder/${w.originalName}`)));
  decoder.setWeights(decoder.weights.map((w) => take(`decoder/${w.originalName}`)));
  projector?.setWeights(projector.weights.map((w) => take(`projector/${w.originalName}`)));
  const slots = [...tensors.keys()].filter((k) => k.startsWith('optimizer/'));
  await state.optimizer.setWeights(
    slots.map((k) => ({ name: k.slice('optimizer/'.length), tensor: take(k) })),
  );
  const adam = state.optimizer as unknown as AdamInternals;
  adam.accBeta1.assign(take('adam/accBeta1'));
  adam.accBeta2.assign(take('adam/accBeta2'));
  tensors.forEach((t) => t.dispose());
  state.epoch = saved.epoch;
  state.history = saved.history;
  return state;
}
