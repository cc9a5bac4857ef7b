/** The opaque paging cursor of the person stores: the last id of the page, base64url (ids never hold a comma or a bracket, but clients need not know). */
export const encodeCursor = (lastId: string): string => Buffer.from(lastId, 'utf8').toString('base64url');

/** null when the cursor was not made by encodeCursor of a valid id. */
export function decodeCursor(cursor: string, isValidId: (id: string) => boolean): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return isValidId(id) ? id : null;
}
