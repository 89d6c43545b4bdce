package dev.ferry.folder;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A version vector: for each peer (by short id) the counter of the last change that peer made to a file. It
 * orders the versions of one path: a vector that is at least as high everywhere dominates (its file is the newer
 * one); two vectors each higher somewhere are concurrent (a conflict). Immutable; serialized as a map.
 */
public final class VersionVector {
    public static final VersionVector EMPTY = new VersionVector(Map.of());

    /** How two versions of one path relate. */
    public enum Order {
        EQUAL, GREATER, LESSER, CONCURRENT
    }

    private final TreeMap<String, Long> counters;

    @JsonCreator
    public VersionVector(Map<String, Long> counters) {
        this.counters = new TreeMap<>();
        if (counters != null) {
            counters.forEach((k, v) -> {
                if (k == null || v == null || v < 0) {
                    throw new IllegalArgumentException("version vector entries need a peer and a counter >= 0");
                }
                if (v > 0) {
                    this.counters.put(k, v);
                }
            });
        }
    }

    @JsonValue
    public Map<String, Long> counters() {
        return Collections.unmodifiableMap(counters);
    }

    public long get(String peer) {
        return counters.getOrDefault(peer, 0L);
    }

    /**
     * This vector with {@code peer}'s counter raised above every counter in it, so the result dominates this vector
     * and every vector this one dominates.
     */
    public VersionVector bump(String peer) {
        long max = 0;
        for (long v : counters.values()) {
            max = Math.max(max, v);
        }
        TreeMap<String, Long> next = new TreeMap<>(counters);
        next.put(peer, max + 1);
        return new VersionVector(next);
    }

    /** The element-wise maximum: dominates (or equals) both. */
    public VersionVector merge(VersionVector other) {
        TreeMap<String, Long> next = new TreeMap<>(counters);
        other.counters.forEach((k, v) -> next.merge(k, v, Math::max));
        return new VersionVector(next);
    }

    public Order compare(VersionVector other) {
        boolean greater = false;
        boolean lesser = false;
        TreeMap<String, Long> keys = new TreeMap<>(counters);
        keys.putAll(other.counters);
        for (String k : keys.keySet()) {
            long a = get(k);
            long b = other.get(k);
            greater |= a > b;
            lesser |= a < b;
        }
        if (greater && lesser) {
            return Order.CONCURRENT;
        }
        return greater ? Order.GREATER : lesser ? Order.LESSER : Order.EQUAL;
    }

    public boolean isEmpty() {
        return counters.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionVector v && v.counters.equals(counters);
    }

    @Override
    public int hashCode() {
        return counters.hashCode();
    }

    @Override
    public String toString() {
        return counters.toString();
    }
}
