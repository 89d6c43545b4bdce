package dev.ferry.library;

import java.util.List;

/** An asset whose metadata arrived but whose bytes are not here yet, with the peers that said they have it. */
public record Missing(String hash, String libraryId, Entry entry, List<String> sources, int attempts, long nextTry) {}
