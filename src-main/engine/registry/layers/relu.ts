/** ReLU: max(0, x), element by element; the lecture's activation. */
import { z } from 'zod';
import { emit } from '../../ops/table';
import { activation } from '../layer';

export const reluSchema = z.strictObject({ kind: z.literal('relu') });
export const relu = activation('relu', { label: 'ReLU', help: 'Keeps positive values, turns negative values into 0. The usual choice.' }, ({ b }, h) => emit(b, 'Relu', [h]), reluSchema);
