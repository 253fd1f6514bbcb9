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
    expect(REQUEST_CHANNELS).toEqual(['system.info']);
    expect(EVENT_CHANNELS).toEqual(['system.providerProbed']);
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
