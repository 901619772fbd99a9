/** Sigmoid: 1/(1 + e^−x), element by element. */
import { z } from 'zod';
import { emit } from '../../ops/table';
import { activation } from '../layer';

export const sigmoidSchema = z.strictObject({ kind: z.literal('sigmoid') });
export const sigmoid = activation('sigmoid', { label: 'Sigmoid', help: 'Squashes values into 0…1.' }, ({ b }, h) => emit(b, 'Sigmoid', [h]), sigmoidSchema);
