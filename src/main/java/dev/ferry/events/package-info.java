/**
 * The daemon's one events model. Every change is published here once, in commit order, with the
 * monotonically increasing id under which it was stored, and every consumer (the SSE stream, logs,
 * later the sync engine) subscribes to the same {@link dev.ferry.events.EventBus}. Publishing never
 * blocks: a consumer that cannot keep up is told it lagged and catches up from the store by id.
 */
package dev.ferry.events;
