import { describe, expect, it } from 'vitest';
import {
  EVENT_CHANNELS,
  InvalidParamsError,
  REQUEST_CHANNELS,
  RemoteError,
  toWireError,
  validateRequest,
} from '../../src/shared/ipc';

describe('IPC contract validation', () => {
  it('lists the channels of the contract', () => {
    expect(REQUEST_CHANNELS).toEqual([
      'system.info',
      'system.pickPath',
      'settings.get',
      'settings.set',
      'data.import',
      'data.inspect',
      'session.get',
      'session.set',
      'train.estimate',
      'jobs.start',
      'jobs.cancel',
      'jobs.list',
      'jobs.resume',
      'jobs.history',
      'queue.workers',
      'jobs.rename',
      'compare.get',
      'compare.timeline',
      'export.file',
    ]);
    expect(EVENT_CHANNELS).toEqual(['system.providerProbed', 'jobs.progress', 'jobs.changed']);
  });

  it('validates the wizard channels, naming the wrong field', () => {
    const plan = { datasetId: 'd', variants: ['baseline', 'midas'], preset: 'tiny', seeds: 3 };
    expect(validateRequest('jobs.start', { ...plan, steps: 60, device: 'cpu' }).params).toEqual({
      ...plan,
      steps: 60,
      device: 'cpu',
    });
    expect(() => validateRequest('jobs.start', { ...plan, variants: ['midas', 'magic'] })).toThrow(
      /"variants" must be a non-empty list of baseline, gradstack, midas, gstack, progressive/,
    );
    expect(() => validateRequest('jobs.start', { ...plan, variants: ['midas', 'midas'] })).toThrow(
      /lists a variant twice/,
    );
    expect(() => validateRequest('jobs.start', { ...plan, seeds: 0 })).toThrow(
      /"seeds" must be a whole number from 1 to 20/,
    );
    expect(() => validateRequest('jobs.start', { ...plan, alpha: 'x' })).toThrow(/"alpha" must be a number/);
    expect(() => validateRequest('jobs.start', { ...plan, extra: 1 })).toThrow(/unknown parameter "extra"/);
    expect(() => validateRequest('train.estimate', { ...plan, preset: 'huge' })).toThrow(
      /"preset" must be one of tiny, small, base/,
    );
    expect(
      validateRequest('data.import', {
        source: { kind: 'path', path: '/d/a.csv' },
        roles: { a: 'channel' },
        delimiter: ';',
      }).params,
    ).toEqual({ source: { kind: 'path', path: '/d/a.csv' }, roles: { a: 'channel' }, delimiter: ';' });
    expect(() => validateRequest('data.import', { source: { kind: 'path' } })).toThrow(/"path" is required/);
    expect(() => validateRequest('data.import', { source: { kind: 'sample' }, roles: { a: 'sensor' } })).toThrow(
      /the role of column "a" must be one of timestamp, channel, label, event, series, ignored/,
    );
    expect(() => validateRequest('export.file', { kind: 'pdf', dir: '/x' })).toThrow(
      /"kind" must be one of report, csv, onnx/,
    );
    expect(() => validateRequest('jobs.cancel', {})).toThrow(/"jobId" is required/);
    expect(() => validateRequest('settings.set', { defaultDevice: 'tpu' })).toThrow(
      /"defaultDevice" must be one of auto, cpu, webgpu, cuda/,
    );
    expect(validateRequest('jobs.list', undefined).params).toEqual({});
    // How the data are split and scored.
    const scoring = { trainRows: 400, normalize: 'per-series', threshold: 'pooled', combine: 'max', smooth: 4 };
    expect(validateRequest('jobs.start', { ...plan, ...scoring }).params).toEqual({ ...plan, ...scoring });
    expect(() => validateRequest('jobs.start', { ...plan, trainRows: 1 })).toThrow(
      /"trainRows" must be a whole number from 2/,
    );
    expect(() => validateRequest('jobs.start', { ...plan, trainFraction: 1.5 })).toThrow(
      /"trainFraction" must be a number from 0.01 to 0.99/,
    );
    expect(() => validateRequest('jobs.start', { ...plan, normalize: 'global' })).toThrow(
      /"normalize" must be one of per-series, pooled/,
    );
    expect(() => validateRequest('train.estimate', { ...plan, combine: 'sum' })).toThrow(
      /"combine" must be one of mean, max/,
    );
    expect(validateRequest('data.import', { source: { kind: 'sample', sample: 'multi-run' } }).params).toEqual({
      source: { kind: 'sample', sample: 'multi-run' },
    });
    expect(() => validateRequest('data.import', { source: { kind: 'sample', sample: 'big' } })).toThrow(
      /"sample" must be one of plant, multi-run/,
    );
  });

  it('accepts valid system.info parameters and normalises missing ones', () => {
    expect(validateRequest('system.info', undefined)).toEqual({ channel: 'system.info', params: {} });
    expect(validateRequest('system.info', {})).toEqual({ channel: 'system.info', params: {} });
    expect(validateRequest('system.info', { refresh: true }).params).toEqual({ refresh: true });
  });

  it.each([
    ['an unknown channel', 'system.rm', {}, /unknown request channel "system.rm"/],
    ['a non-string channel', 42, {}, /unknown request channel 42/],
    ['an unknown parameter', 'system.info', { refresh: true, path: '/' }, /unknown parameter "path"/],
    ['a wrongly typed parameter', 'system.info', { refresh: 'yes' }, /"refresh" must be true or false, got "yes"/],
    ['array parameters', 'system.info', [true], /must be an object, got an array/],
    ['scalar parameters', 'system.info', 'x', /must be an object, got string/],
  ])('rejects %s with a message that names the problem', (_what, channel, params, message) => {
    expect(() => validateRequest(channel, params)).toThrow(InvalidParamsError);
    expect(() => validateRequest(channel, params)).toThrow(message);
  });

  it('sends errors over the wire as name and message only', () => {
    const err = new InvalidParamsError('bad');
    const wire = toWireError(err);
    expect(wire).toEqual({ name: 'InvalidParamsError', message: 'bad' });
    const back = new RemoteError(wire);
    expect(back.name).toBe('InvalidParamsError');
    expect(back.message).toBe('bad');
    expect(toWireError('plain')).toEqual({ name: 'Error', message: 'plain' });
  });
});
