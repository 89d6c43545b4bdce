package dev.ferry.peer;

import java.time.Duration;

/**
 * Timing of a link. Defaults: Ping after 10 s without traffic, close after 45 s without hearing anything
 * (a Ping round trip is always under that on a live link), 5 s for the Hello exchange, 30 s per request.
 */
public record LinkSettings(Duration pingInterval, Duration staleTimeout, Duration handshakeTimeout,
        Duration requestTimeout, int maxPingsPerSecond) {

    public static LinkSettings defaults() {
        return new LinkSettings(Duration.ofSeconds(10), Duration.ofSeconds(45), Duration.ofSeconds(5),
                Duration.ofSeconds(30), 20);
    }
}
