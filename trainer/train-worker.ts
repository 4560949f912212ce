/**
 * A worker thread of trainer/train-parallel.ts: a replica of the autoencoder that, for each
 * request, takes the main thread's weights and returns the gradients of the mean loss on its part
 * of the batch. It sees only images, like the rest of the trainer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { type BackendChoice, initBackend } from './backend.ts';
import { buildAutoencoder, trainableVariables } from './model.ts';
import { batchLoss, type StepReply, type StepRequest, type WorkerSetup } from './train-parallel.ts';

const setup = workerData as WorkerSetup;
await initBackend(setup.backend as BackendChoice);
const model = buildAutoencoder(setup.model, 0);
const variables = trainableVariables(model);

parentPort!.on('message', (request: StepRequest) => {
  let reply: StepReply = { loss: NaN, grads: [] };
  tf.tidy(() => {
    variables.forEach((v, i) => v.assign(tf.tensor(request.weights[i], v.shape)));
    const { value, grads } = tf.variableGrads(
      () => batchLoss({ model }, setup.objective, request),
      variables,
    );
    reply = {
      loss: value.dataSync()[0],
      grads: variables.map((v) => grads[v.name].dataSync() as Float32Array),
    };
  });
  parentPort!.postMessage(
    reply,
    reply.grads.map((g) => g.buffer as ArrayBuffer),
  );
});
parentPort!.postMessage('ready');
