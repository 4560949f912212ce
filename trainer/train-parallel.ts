/**
 * Data-parallel optimizer steps over worker threads, to use more than one core with the
 * single-threaded wasm backend.
 *
 * A batch of B images is split into `workers` equal parts. The main thread computes the
 * gradient of the mean loss on part 0 while each worker thread (trainer/train-worker.ts, a
 * replica of the model) computes it on its own part, starting from the weights the main thread
 * sends with the part. The main thread averages the gradients in a fixed order and applies one
 * Adam step. Every step is a pure function of the weights and the batch, so a run is
 * deterministic for a given number of workers (another count changes float rounding only).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './model.ts';
import { trainableVariables } from './model.ts';
import { type ObjectiveConfig, objectiveLoss } from './train-objective.ts';
import type { TrainerState } from './train.ts';

/**
 * One batch: `input` (first views), `target` (clean images) and, for the invariance term,
 * `second` (second views), each NHWC Float32Array, size `batch * H * W * C`.
 */
export interface StepBatch {
  input: Float32Array;
  target: Float32Array;
  second?: Float32Array;
  batch: number;
}

/** One optimizer step on a batch; returns the loss. */
export type StepFn = (batch: StepBatch) => Promise<number>;

/** A running step function and the way to stop its threads. */
export interface Stepper {
  step: StepFn;
  close(): Promise<void>;
}

/** Message from the main thread to a worker: weights (one per variable) and a batch part. */
export interface StepRequest extends StepBatch {
  weights: Float32Array[];
}

/** Reply of a worker: the gradients, in variable order, and the loss of its part. */
export interface StepReply {
  grads: Float32Array[];
  loss: number;
}

/** What a worker needs to build its replica (passed as workerData). */
export interface WorkerSetup {
  model: ModelConfig;
  objective: ObjectiveConfig;
  backend: string;
}

const require = createRequire(import.meta.url);

/** tsx's ESM API module, by file URL (the package's export map resolves `require` to CJS). */
const TSX_API = pathToFileURL(
  join(dirname(require.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs'),
).href;

/**
 * The worker's entry: registers tsx's TypeScript loader in the new thread, then imports
 * train-worker.ts. (A worker started on a .ts file directly depends on how the parent process
 * was launched: tsx, vitest and plain node differ.)
 */
const WORKER_BOOTSTRAP = `
  import(${JSON.stringify(TSX_API)})
    .then((tsx) => { tsx.register(); })
    .then(() => import(${JSON.stringify(new URL('./train-worker.ts', import.meta.url).href)}));
`;

/** The loss of a batch (part) on `model`, as a scalar inside a tape. */
export function batchLoss(
  state: Pick<TrainerState, 'model'>,
  objective: ObjectiveConfig,
  part: StepBatch,
): tf.Scalar {
  const { height: h, width: w, channels: c } = state.model.config;
  const shape: [number, number, number, number] = [part.batch, h, w, c];
  const second = part.second ? tf.tensor4d(part.second, shape) : undefined;
  return objectiveLoss(
    state.model,
    objective,
    tf.tensor4d(part.input, shape),
    tf.tensor4d(part.target, shape),
    second,
  );
}

/** Gradients (variable order) and the loss of one batch part, on this thread. */
function localGradients(
  state: TrainerState,
  objective: ObjectiveConfig,
  part: StepBatch,
): { grads: tf.Tensor[]; loss: number } {
  const variables = trainableVariables(state.model);
  let loss = NaN;
  const grads = tf.tidy(() => {
    const result = tf.variableGrads(() => batchLoss(state, objective, part), variables);
    loss = result.value.dataSync()[0];
    return variables.map((v) => result.grads[v.name]);
  });
  return { grads, loss };
}

/** Steps on this thread alone: `optimizer.minimize` on the whole batch. */
export function singleThreadStepper(state: TrainerState, objective: ObjectiveConfig): Stepper {
  const variables = trainableVariables(state.model);
  const step: StepFn = async (batch) =>
    tf.tidy(() => {
      const cost = state.optimizer.minimize(
        () => batchLoss(state, objective, batch),
        true,
        variables,
      );
      return cost!.dataSync()[0];
    });
  return { step, close: async () => {} };
}

function ask(worker: Worker, request: StepRequest): Promise<StepReply> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    worker.once('error', onError);
    worker.once('message', (reply: StepReply) => {
      worker.off('error', onError);
      resolve(reply);
    });
    worker.postMessage(request);
  });
}

/**
 * Starts `workers - 1` worker threads, each a replica of `state.model`, and returns a step
 * function that splits every batch `workers` ways. The batch size must be a multiple of
 * `workers`. Call `close()` to stop the threads.
 */
export async function parallelStepper(
  state: TrainerState,
  objective: ObjectiveConfig,
  workers: number,
  backend: string,
): Promise<Stepper> {
  const setup: WorkerSetup = { model: state.model.config, objective, backend };
  const threads = Array.from(
    { length: workers - 1 },
    () => new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: setup }),
  );
  await Promise.all(
    threads.map(
      (t) =>
        new Promise((resolve, reject) => {
          t.once('message', resolve);
          t.once('error', reject);
        }),
    ),
  );
  const variables = trainableVariables(state.model);
  const size = state.model.config.height * state.model.config.width * state.model.config.channels;

  const step: StepFn = async ({ input, target, second, batch }) => {
    if (batch % workers !== 0) {
      throw new Error(`batch ${batch} is not a multiple of workers=${workers}`);
    }
    const part = batch / workers;
    const slice = (a: Float32Array | undefined, i: number) =>
      a?.slice(i * part * size, (i + 1) * part * size);
    const weights = variables.map((v) => v.dataSync() as Float32Array);
    const replies = threads.map((t, i) =>
      ask(t, {
        weights,
        input: slice(input, i + 1)!,
        target: slice(target, i + 1)!,
        second: slice(second, i + 1),
        batch: part,
      }),
    );
    const own = localGradients(state, objective, {
      input: input.subarray(0, part * size),
      target: target.subarray(0, part * size),
      second: second?.subarray(0, part * size),
      batch: part,
    });
    const others = await Promise.all(replies);
    const loss = (own.loss + others.reduce((s, r) => s + r.loss, 0)) / workers;
    tf.tidy(() => {
      const averaged = variables.map((v, i) => {
        let sum = own.grads[i];
        for (const r of others) sum = sum.add(tf.tensor(r.grads[i], v.shape));
        return { name: v.name, tensor: sum.div(workers) };
      });
      state.optimizer.applyGradients(averaged);
    });
    tf.dispose(own.grads);
    return loss;
  };
  return { step, close: async () => void (await Promise.all(threads.map((t) => t.terminate()))) };
}
