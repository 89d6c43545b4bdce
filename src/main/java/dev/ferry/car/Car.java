package dev.ferry.car;

/** The constants of Ferry's CARv1 archives: the format version and the size limits both ends enforce. */
public final class Car {
    private Car() {}

    /** The only CAR version read or written. */
    public static final int VERSION = 1;

    /**
     * Default largest asset block, in bytes of data (the CID is not counted): 1 GiB. One asset is one raw block,
     * so this is also the largest asset an archive can carry.
     */
    public static final long DEFAULT_MAX_BLOCK_SIZE = 1L << 30;

    /** Largest header (the DAG-CBOR map after the first varint): 1 MiB; a one-root header is 58 bytes. */
    public static final int MAX_HEADER_SIZE = 1 << 20;

    /** Largest index block: 64 MiB, a few hundred thousand assets. */
    public static final int MAX_INDEX_SIZE = 64 << 20;
}
