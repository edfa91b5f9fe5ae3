export { diffSpecs } from './diff.js';
export { childPointer, nodeAt, resolve } from './refs.js';
export type { ChangeCounts } from './render.js';
export {
  countChanges,
  formatLocation,
  formatValue,
  formatWhat,
  renderChangesText,
  safeText,
} from './render.js';
export type { Column, Verdict } from './rules.js';
export { classify, columnOf, RULES, verdictFor } from './rules.js';
export type {
  ChangeFacts,
  ChangeKind,
  ChangeLocation,
  ContractChange,
  DiffOptions,
  Direction,
  Flow,
  RawChange,
  Role,
} from './types.js';
