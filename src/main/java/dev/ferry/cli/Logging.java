package dev.ferry.cli;

/**
 * Configures slf4j-simple before the first logger exists: one line per event with a timestamp, Ferry at
 * the configured level, the libraries (Jetty, Javalin) at warn so that they stay quiet.
 */
final class Logging {
    private Logging() {}

    static void configure(String ferryLevel) {
        set("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        set("org.slf4j.simpleLogger.log.dev.ferry", ferryLevel);
        set("org.slf4j.simpleLogger.showDateTime", "true");
        set("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        set("org.slf4j.simpleLogger.showThreadName", "false");
        set("org.slf4j.simpleLogger.showShortLogName", "true");
        set("org.slf4j.simpleLogger.levelInBrackets", "false");
    }

    private static void set(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
