/**
 * A run request's model must predict what its dataset holds: a number table needs the one-output
 * number head, a category dataset one output per class; refused in plain words before anything
 * is created.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetMeta } from '../datasets/types';
import { defaultTrainConfig, withTask, type ModelSpec } from '../engine/index';
import type { DatasetGateway } from './datasets';
import { checkRunRequest } from './run-requests';

const meta = (over: Partial<DatasetMeta>): DatasetMeta => ({ id: 'd1', name: 'houses', kind: 'tabular', sampleShape: [4], classNames: ['price'], ...over }) as DatasetMeta;
const gateway = (m: DatasetMeta) => ({ get: async () => m }) as unknown as DatasetGateway;
const hidden: ModelSpec = { inputShape: [4], classes: 3, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: true }] };
const req = (model: ModelSpec) => ({ datasetId: 'd1', model, config: defaultTrainConfig() });

describe('a run request fits its dataset\'s task', () => {
  it('a number table takes the number head and refuses classes', async () => {
    const number = meta({ task: 'number' });
    await expect(checkRunRequest(gateway(number), req(withTask(hidden, 'number')))).resolves.toBe(number);
    await expect(checkRunRequest(gateway(number), req(withTask(hidden, 'category', 2)))).rejects.toThrow(/"houses" predicts a number \(price\): the model needs one output that predicts a number/);
  });
  it('a category dataset refuses the number head', async () => {
    const category = meta({ name: 'iris', classNames: ['a', 'b', 'c'] });
    await expect(checkRunRequest(gateway(category), req(hidden))).resolves.toBe(category);
    await expect(checkRunRequest(gateway(category), req(withTask(hidden, 'number')))).rejects.toThrow(/"iris" predicts a category: the model needs one output per class \(3\), not a number/);
  });
});
