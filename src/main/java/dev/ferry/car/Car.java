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

    /**
     * Largest heap a decoded index may take, estimated from above as it is read: 256 MiB, four times
     * {@link #MAX_INDEX_SIZE}. Typical metadata decodes to two or three times its encoded size, but a hostile
     * index of one-character tags would decode to some thirty times; this bounds what any index can cost.
     */
    public static final long MAX_INDEX_HEAP = 4L * MAX_INDEX_SIZE;
}
