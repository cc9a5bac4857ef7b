import { applyGcPolicy } from '../../../src/composition/gc-policy';

describe('applyGcPolicy', () => {
  it('turns incremental marking off', () => {
    const set = jest.fn();
    applyGcPolicy(['--enable-source-maps'], set);
    expect(set).toHaveBeenCalledWith('--no-incremental-marking');
  });

  it.each(['--incremental-marking', '--no-incremental-marking', '--incremental_marking'])('leaves it to node when its command line has %s', (flag) => {
    const set = jest.fn();
    applyGcPolicy([flag], set);
    expect(set).not.toHaveBeenCalled();
  });
});
