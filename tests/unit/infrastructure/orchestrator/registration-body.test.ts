import type { ProcessorRegistration } from '../../../../src/application/ports/orchestrator';
import {
  processorQueueName,
  redactHttpUrl,
  registrationBody,
} from '../../../../src/infrastructure/http/orchestrator/http-orchestrator';
import { InvalidRegistrationError, OrchestratorRejected } from '../../../../src/infrastructure/http/orchestrator/orchestrator-errors';

const valid: ProcessorRegistration = {
  id: 'proc-1',
  capabilities: ['face_detection'],
  capacity: 1,
  queue: 'frames:ready:proc-1',
};

describe('registrationBody', () => {
  it('maps to snake_case and leaves out absent optional fields', () => {
    expect(registrationBody(valid)).toEqual({ id: 'proc-1', capabilities: ['face_detection'], capacity: 1, queue: 'frames:ready:proc-1' });
    expect(registrationBody({ ...valid, healthEndpoint: 'https://h:1/health', metadata: { a: 1 } })).toEqual({
      id: 'proc-1',
      capabilities: ['face_detection'],
      capacity: 1,
      queue: 'frames:ready:proc-1',
      health_endpoint: 'https://h:1/health',
      metadata: { a: 1 },
    });
  });

  it.each<[string, Partial<ProcessorRegistration>]>([
    ['no capabilities', { capabilities: [] }],
    ['capacity 0', { capacity: 0 }],
    ['negative capacity', { capacity: -1 }],
    ['NaN capacity', { capacity: Number.NaN }],
    ['queue of another processor', { queue: 'frames:ready:proc-2' }],
    ['empty id', { id: '', queue: 'frames:ready:' }],
    ['ftp health endpoint', { healthEndpoint: 'ftp://h/health' }],
    ['array metadata', { metadata: [] as unknown as Record<string, unknown> }],
  ])('rejects %s', (_name, overrides) => {
    expect(() => registrationBody({ ...valid, ...overrides })).toThrow(InvalidRegistrationError);
  });

  it('names the queue frames:ready:<id>', () => {
    expect(processorQueueName('x')).toBe('frames:ready:x');
  });
});

describe('redactHttpUrl', () => {
  it('drops user info, query and fragment', () => {
    expect(redactHttpUrl('http://u:p@host:8080/api/v1?token=x#f')).toBe('http://host:8080/api/v1');
    expect(redactHttpUrl('not a url')).toBe('<invalid url>');
  });
});

describe('OrchestratorRejected', () => {
  it('carries a stable code, the status and the body excerpt', () => {
    const error = new OrchestratorRejected('nope', 400, 'bad body', { method: 'POST' });
    expect(error.code).toBe('orchestrator_rejected');
    expect(error.name).toBe('OrchestratorRejected');
    expect(error.context).toEqual({ method: 'POST', status: 400, body: 'bad body' });
  });
});
