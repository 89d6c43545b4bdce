package dev.ferry.store;

import java.io.IOException;

/** Bytes pushed under an expected hash hashed to something else; they are discarded. */
public final class HashMismatchException extends IOException {
    public HashMismatchException(String expected, String actual) {
        super("content hashes to " + actual + " but " + expected + " was expected");
    }
}
