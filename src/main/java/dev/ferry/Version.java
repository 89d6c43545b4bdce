package dev.ferry;

/** The running Ferry version, read from the jar manifest (a development build says so). */
public final class Version {
    private Version() {}

    public static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
