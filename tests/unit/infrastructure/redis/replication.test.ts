import { linkedReplicas } from '../../../../src/infrastructure/redis/replication';

describe('replicas to WAIT for', () => {
  it('counts the replicas a master lists in its ROLE reply', () => {
    expect(linkedReplicas(['master', 3129659, [['127.0.0.1', '9001', '3129242'], ['127.0.0.1', '9002', '3129543']]])).toBe(2);
    expect(linkedReplicas([Buffer.from('master'), 10, [['127.0.0.1', '9001', '10']]])).toBe(1);
    expect(linkedReplicas(['master', 0, []])).toBe(0);
  });

  it('answers null for a node that is not a master (a replica, or an unexpected reply)', () => {
    expect(linkedReplicas(['slave', '127.0.0.1', 9000, 'connected', 3167038])).toBeNull();
    expect(linkedReplicas('OK')).toBeNull();
    expect(linkedReplicas(null)).toBeNull();
  });
});
