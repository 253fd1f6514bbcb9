/**
 * Type test: operator names are one typed list, so a node, an emission case or a gradient rule
 * with a misspelt operator does not compile.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { DiffOp } from '../../src/engine/graph/autodiff';
import type { Graph, Node, OpName } from '../../src/engine/graph/ir';

describe('operator names', () => {
  it('are the names of the list, and nothing else', () => {
    expectTypeOf<'LayerNormalization'>().toExtend<OpName>();
    expectTypeOf<'LayerNorm'>().not.toExtend<OpName>();
    expectTypeOf<Node['op']>().toEqualTypeOf<OpName>();
    expectTypeOf<Parameters<Graph['addNode']>[0]>().toEqualTypeOf<OpName>();
  });

  it('leave the comparisons out of the gradient rules', () => {
    expectTypeOf<'Greater'>().not.toExtend<DiffOp>();
    expectTypeOf<'Gather'>().toExtend<DiffOp>();
  });
});
