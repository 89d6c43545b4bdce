package dev.ferry.folder;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A file being built from blocks: its size, how much is in place, how much came over the network, from whom. */
public record Transfer(String path, long size, AtomicLong done, AtomicLong fetched, List<String> from) {}
