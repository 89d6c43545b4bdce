package dev.ferry.library;

import dev.ferry.store.AssetFilter;

/**
 * One library as this node knows it. {@code revision} is the revision of this node's own index of it, which
 * rises by one with every change to an entry; {@code digest} is an order-independent digest of the live entries
 * (two nodes holding the same assets have equal digests, whatever their revisions).
 */
public record Library(String id, String name, String kind, AssetFilter filter, long createdAt, long revision,
        byte[] digest) {
    public static final String ASSETS = "assets";
    /** A directory tree each member maps to a path of its own (dev.ferry.folder). */
    public static final String FOLDER = "folder";
}
