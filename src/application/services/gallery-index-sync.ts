import { fuseEmbeddings } from '../../domain/embedding';
import type { Person } from '../../domain/person';
import type { IdentityIndex, IndexedIdentity } from '../ports/identity-index';
import type { ChangeSubscription, GalleryChange, PersonRepository } from '../ports/person-repository';
import { describeError } from './async-helpers';

export interface GalleryIndexSyncLogger {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
}

export interface GalleryIndexSyncOptions {
  /** Wait before retrying a change the store could not answer for. Default 1000 ms. */
  readonly retryMs?: number;
}

/** The index's view of a person: their template (normalised mean of their embeddings); null when they have none. */
export function indexedIdentityOf(person: Person): IndexedIdentity | null {
  if (person.embeddings.length === 0) return null;
  return { id: person.id, name: person.name, template: fuseEmbeddings(person.embeddings.map((e) => e.vector)), embeddings: person.embeddings.length };
}

/**
 * Keeps this replica's identity index equal to the store of record.
 *
 * start() follows the change feed FIRST (buffering what arrives), THEN loads
 * every person, then applies the buffered changes and, from then on, live
 * ones. Every write is on the feed in the same atomic step as the record, so
 * a write is either already in the load or on the feed after the watch
 * began: none is missed (a write both loaded and buffered is applied twice,
 * which is harmless). A change is applied by re-reading the person from the
 * store, one change at a time in feed order, so the index always ends on
 * the store's latest state; an upsert whose version the index already holds
 * (or passed) is skipped without a read. A 'resync' (the feed lost entries)
 * reloads everyone and drops the people no longer found.
 */
export class GalleryIndexSync {
  private readonly versions = new Map<string, number>();
  private readonly queue: GalleryChange[] = [];
  private subscription: ChangeSubscription | null = null;
  private draining: Promise<void> | null = null;
  private live = false;
  private stopped = false;
  private readonly retryMs: number;

  constructor(
    private readonly repository: PersonRepository,
    private readonly index: IdentityIndex,
    private readonly logger: GalleryIndexSyncLogger,
    options: GalleryIndexSyncOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 1000;
  }

  /** Loads the gallery and starts following it. Throws (e.g. StorageError for a record sealed with an unknown key) and follows nothing then. */
  async start(): Promise<{ readonly identities: number; readonly ms: number }> {
    const started = Date.now();
    this.subscription = await this.repository.watch((change) => this.enqueue(change));
    try {
      await this.loadAll();
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.live = true;
    this.drain();
    await this.idle();
    const loaded = { identities: this.versions.size, ms: Date.now() - started };
    this.logger.info('gallery loaded into the identity index', loaded);
    return loaded;
  }

  /** Resolves once every change received so far has been applied. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
  }

  private enqueue(change: GalleryChange): void {
    if (this.stopped) return;
    this.queue.push(change);
    if (this.live) this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = (async () => {
      while (this.queue.length > 0 && !this.stopped) {
        const change = this.queue[0] as GalleryChange;
        try {
          await this.apply(change);
          this.queue.shift();
        } catch (error) {
          // The store did not answer: try the same change again, so that none is skipped and the order holds.
          this.logger.warn('could not apply a gallery change; retrying', { kind: change.kind, error: describeError(error), retryInMs: this.retryMs });
          await new Promise((resolve) => setTimeout(resolve, this.retryMs));
        }
      }
    })().finally(() => {
      this.draining = null;
    });
  }

  private async apply(change: GalleryChange): Promise<void> {
    switch (change.kind) {
      case 'delete':
        this.forget(change.personId);
        return;
      case 'upsert': {
        const held = this.versions.get(change.personId);
        if (held !== undefined && held >= change.version) return;
        const person = await this.repository.get(change.personId);
        if (person === null) this.forget(change.personId);
        else this.hold(person);
        return;
      }
      case 'resync': {
        this.logger.warn('the gallery change feed lost entries this replica had not read; reloading the gallery');
        await this.loadAll();
        return;
      }
    }
  }

  /** Loads everyone; people held but no longer in the store are dropped. */
  private async loadAll(): Promise<void> {
    const seen = new Set<string>();
    for await (const person of this.repository.all()) {
      seen.add(person.id);
      if (this.versions.get(person.id) !== person.version) this.hold(person);
    }
    for (const id of [...this.versions.keys()]) if (!seen.has(id)) this.forget(id);
  }

  private hold(person: Person): void {
    const identity = indexedIdentityOf(person);
    if (identity) this.index.upsert(identity);
    else this.index.remove(person.id);
    this.versions.set(person.id, person.version);
  }

  private forget(personId: string): void {
    this.versions.delete(personId);
    this.index.remove(personId);
  }
}
