import { SessionFull, SessionNotFound } from '../../../../src/application/gallery-errors';
import type { SessionCandidate } from '../../../../src/application/ports/enrollment-sessions';
import { MemoryEnrollmentSessions } from '../../../../src/infrastructure/store/memory-enrollment-sessions';
import { randomVector } from '../../../support/people';

const candidate = (score: number): SessionCandidate => ({
  vector: randomVector(),
  quality: { faceSize: 100, sharpness: 30, yaw: 2 },
  createdAt: '2026-12-02T10:00:00.000Z',
  score,
});

describe('MemoryEnrollmentSessions (embedded mode)', () => {
  let clock = 1_000_000;
  let sessions: MemoryEnrollmentSessions;
  beforeEach(() => {
    clock = 1_000_000;
    sessions = new MemoryEnrollmentSessions(() => clock);
  });
  afterEach(() => sessions.dispose());

  it('opens a session that collects candidates up to the limit', async () => {
    const opened = await sessions.open('ada', 60_000);
    expect(opened).toEqual({ id: expect.any(String), personId: 'ada', expiresAt: new Date(1_060_000).toISOString(), candidates: [] });
    const first = candidate(0.9);
    expect((await sessions.add(opened.id, [first, candidate(0.5)], 3)).candidates).toHaveLength(2);
    await expect(sessions.add(opened.id, [candidate(0.1), candidate(0.2)], 3)).rejects.toBeInstanceOf(SessionFull);
    const read = await sessions.get(opened.id);
    expect(read?.candidates[0]).toEqual(first);
    expect(await sessions.close(opened.id)).toBe(true);
    expect(await sessions.close(opened.id)).toBe(false);
    await expect(sessions.add(opened.id, [candidate(1)], 3)).rejects.toBeInstanceOf(SessionNotFound);
  });

  it('forgets a session once its TTL has passed', async () => {
    const opened = await sessions.open('ada', 60_000);
    clock += 59_999;
    expect(await sessions.get(opened.id)).not.toBeNull();
    clock += 1;
    expect(await sessions.get(opened.id)).toBeNull();
    await expect(sessions.add(opened.id, [candidate(1)], 3)).rejects.toBeInstanceOf(SessionNotFound);
    expect(await sessions.close(opened.id)).toBe(false);
  });
});
