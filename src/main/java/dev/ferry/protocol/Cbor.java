package dev.ferry.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

/**
 * The one Jackson CBOR factory of the protocol, set up for untrusted input: nesting is capped, and field names
 * are not interned into a shared symbol table (random keys from a peer would otherwise fill it). Thread-safe.
 */
final class Cbor {
    private Cbor() {}

    /** Deepest nesting of maps and arrays a payload may have, unknown keys included. */
    static final int MAX_DEPTH = 16;

    static final CBORFactory FACTORY = CBORFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();
}
