import { isValidPersonId } from '../../../src/domain/person';

describe('person ids', () => {
  it.each(['ada', 'Ada_Lovelace', 'emp-00042', 'a.b@example.com', 'team:7', 'x'.repeat(128)])('accepts %s', (id) => {
    expect(isValidPersonId(id)).toBe(true);
  });

  it.each(['', '-leading-dash', '.hidden', 'with space', 'slash/inside', '../etc', 'x'.repeat(129), 'ünïcode'])('refuses %j', (id) => {
    expect(isValidPersonId(id)).toBe(false);
  });
});
