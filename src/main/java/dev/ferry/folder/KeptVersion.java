package dev.ferry.folder;

/** A version in a folder's version store: the path it had, its name in the store, when it was replaced, its size. */
public record KeptVersion(String path, String version, long at, long size) {}
