import { describe, expect, it } from 'vitest';
import { chooseThread, SERVERLESS_ENV_VARS } from '../../src/thread/choose-thread.js';

describe("deliveryThread: 'auto'", () => {
  it('works in a worker when a core is to spare and the runtime is not serverless', () => {
    expect(chooseThread('auto', {}, 2).thread).toBe('worker');
    expect(chooseThread('auto', {}, 16).reason).toMatch(/16 cores/);
  });

  it('stays on the application thread with a single core', () => {
    const choice = chooseThread('auto', {}, 1);
    expect(choice.thread).toBe('main');
    expect(choice.reason).toMatch(/1 core/);
  });

  it.each(SERVERLESS_ENV_VARS)('stays on the application thread in a serverless runtime (%s set)', (name) => {
    const choice = chooseThread('auto', { [name]: 'x' }, 8);
    expect(choice.thread).toBe('main');
    expect(choice.reason).toContain(name);
  });

  it("takes 'main' and 'worker' as said, whatever the machine", () => {
    expect(chooseThread('main', {}, 64).thread).toBe('main');
    expect(chooseThread('worker', { AWS_LAMBDA_FUNCTION_NAME: 'f' }, 1).thread).toBe('worker');
  });
});
