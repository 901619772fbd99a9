/** GELU, exact: x · ½(1 + erf(x/√2)), built from primitives every runtime has. */
import { z } from 'zod';
import { emit } from '../../ops/table';
import { activation } from '../layer';

export const geluSchema = z.strictObject({ kind: z.literal('gelu') });
export const gelu = activation(
  'gelu',
  { label: 'GELU', help: 'A smooth version of ReLU.', advanced: true },
  ({ b }, h) => {
    const e = emit(b, 'Erf', [emit(b, 'Mul', [h, b.constant('float32', Math.SQRT1_2)])]);
    return emit(b, 'Mul', [emit(b, 'Mul', [h, emit(b, 'Add', [e, b.constant('float32', 1)])]), b.constant('float32', 0.5)], {}, 'gelu');
  },
  geluSchema,
);
