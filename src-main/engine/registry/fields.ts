/**
 * Field descriptors: what an editor needs to show one setting of a registry entry (a layer's
 * units, an optimizer's momentum), and the words that refuse a bad value. The Model and Train
 * screens render them (src-renderer/components/RegistryFields.vue); the engine's validation
 * speaks their words; registry.test.ts checks they cover every field of each schema.
 */
import { assertNever } from '../assert-never';
import { got, rangeWords, within, type Limit } from './limits';

interface FieldBase {
  /** the key in the spec ("units", "momentum") */
  name: string;
  /** the editor's label, in plain words */
  label: string;
  /** one line of help: what the setting does */
  help: string;
  /** shown only under "Advanced" on the Model and Train screens */
  advanced?: boolean;
  /** the field may be absent (and is then treated as its default) */
  optional?: boolean;
  /** how a message names the setting: "the drop probability", "Momentum" */
  subject: string;
}

export interface NumberField extends FieldBase {
  kind: 'number';
  limit: Limit;
  /** the editor's step (its arrows) */
  step: number;
}

export interface BooleanField extends FieldBase {
  kind: 'boolean';
}

export interface SelectField extends FieldBase {
  kind: 'select';
  options: readonly { value: string; label: string }[];
}

export type FieldDescriptor = NumberField | BooleanField | SelectField;

/** The problem with one field's value, in plain words without the final full stop; null when it is fine. */
export function fieldProblem(f: FieldDescriptor, v: unknown): string | null {
  if (v === undefined && f.optional) return null;
  switch (f.kind) {
    case 'number':
      return within(f.limit, v) ? null : `${f.subject} must be ${rangeWords(f.limit)} ${got(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? null : `say whether ${f.subject} (true or false)`;
    case 'select':
      return f.options.some((o) => o.value === v) ? null : `${f.subject} must be one of ${f.options.map((o) => o.value).join(', ')} ${got(v)}`;
    default:
      return assertNever(f, 'field kind');
  }
}

/** The first problem among an entry's fields (in their order), or null. */
export function fieldsProblem(fields: readonly FieldDescriptor[], value: Record<string, unknown>): string | null {
  for (const f of fields) {
    const p = fieldProblem(f, value[f.name]);
    if (p) return p;
  }
  return null;
}
