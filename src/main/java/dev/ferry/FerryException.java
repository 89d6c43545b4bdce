package dev.ferry;

/**
 * The one runtime exception of the project: bad configuration, bad start-up conditions and bugs.
 * Its message is meant for a person and names the key, path, id or size needed to act on it.
 */
public class FerryException extends RuntimeException {
    public FerryException(String message) {
        super(message);
    }

    public FerryException(String message, Throwable cause) {
        super(message, cause);
    }
}
