/** Tanh: squashes into −1…1, element by element. */
import { z } from 'zod';
import { emit } from '../../ops/table';
import { activation } from '../layer';

export const tanhSchema = z.strictObject({ kind: z.literal('tanh') });
export const tanh = activation('tanh', { label: 'Tanh', help: 'Squashes values into −1…1.' }, ({ b }, h) => emit(b, 'Tanh', [h]), tanhSchema);
