package dev.ferry.config;

import dev.ferry.FerryException;

/** Configuration that cannot be used; the message names the key (or file) and what is wrong. */
public final class ConfigException extends FerryException {
    public ConfigException(String message) {
        super(message);
    }
}
