// Finding review tasks for the signed-in reviewer. POST /api/v1/reviews/next returns the task
// the caller holds first, so it cannot fetch a second task while one is shown; prefetching
// therefore lists the open tasks in queue order (the server's: highest priority, then
// oldest) and claims one that is not held by someone else, not skipped, and not already in
// the reviewer's hands.
import { api, ApiError } from './api.js';

const PAGE = 100;
const RELIST_AFTER_EMPTY_MS = 3000;

export class TaskSource {
  constructor(me) {
    this.me = me;
    this.candidates = [];   // task summaries from the last list, best first
    this.emptyAt = 0;       // when a list last came back with nothing to take
    this.total = null;      // InProgress tasks in the queue (from the last list)
    this.dead = new Set();  // answered, or refused when claimed: never try again
    this.onTotal = () => {};
  }

  // The first task of a visit: the one the reviewer holds already, or the first open one.
  async claimFirst() {
    return api('POST', '/api/v1/reviews/next');
  }

  // Claims another task, none of whose names `busy(name)` refuses; null when none is open.
  async claimAnother(busy) {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (this.candidates.length === 0) {
        if (Date.now() - this.emptyAt < RELIST_AFTER_EMPTY_MS) return null;
        await this.relist(busy);
        if (this.candidates.length === 0) {
          this.emptyAt = Date.now();
          return null;
        }
      }
      const name = this.candidates.shift();
      if (busy(name) || this.dead.has(name)) continue;
      try {
        return await api('POST', `/api/v1/reviews/${encodeURIComponent(name)}/claim`);
      } catch (e) {
        // Taken by someone else meanwhile, completed, expired or answered by us: skip it.
        if (e instanceof ApiError && (e.status === 409 || e.status === 404)) {
          this.dead.add(name);
          continue;
        }
        throw e;
      }
    }
    return null;
  }

  async relist(busy) {
    const page = await api('GET', `/api/v1/reviews?status=InProgress&order=queue&limit=${PAGE}`);
    this.setTotal(page.total);
    const now = Date.now();
    this.candidates = page.reviews
      .filter((t) => !busy(t.name) && !this.dead.has(t.name))
      .filter((t) => !t.claimed_by || t.claimed_by === this.me.user || !t.claim_expires ||
                     Date.parse(t.claim_expires) <= now)
      .map((t) => t.name);
  }

  async refreshTotal() {
    const page = await api('GET', '/api/v1/reviews?status=InProgress&limit=1');
    this.setTotal(page.total);
  }

  setTotal(total) {
    this.total = total;
    this.onTotal(total);
  }

  forgetEmpty() { this.emptyAt = 0; }
}
