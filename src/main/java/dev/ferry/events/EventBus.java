package dev.ferry.events;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Fan-out of events to in-process subscribers. Thread-safe. {@link #publish} calls each subscriber
 * in the publisher's thread, so subscribers must only hand the event off (to a bounded queue, say)
 * and never block. Callers publish under the lock that assigned the event's id, which is what keeps
 * delivery in id order.
 *
 * @param <E> the event type
 */
public final class EventBus<E> {
    private final CopyOnWriteArrayList<Consumer<? super E>> subscribers = new CopyOnWriteArrayList<>();

    /** Subscribes; close the returned handle to stop receiving. */
    public AutoCloseable subscribe(Consumer<? super E> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    public void publish(E event) {
        for (Consumer<? super E> s : subscribers) {
            try {
                s.accept(event);
            } catch (RuntimeException e) {
                // A subscriber's failure must not undo or hide a change that is already committed.
                org.slf4j.LoggerFactory.getLogger(EventBus.class).warn("event subscriber failed: {}", e.toString());
            }
        }
    }

    public int subscriberCount() {
        return subscribers.size();
    }
}
