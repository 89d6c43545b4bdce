package dev.ferry.scan;

/** Seeds for the randomized tests of this package. */
final class TestSeed {
    private TestSeed() {}

    /** {@code -Dferry.test.seed} if set, else fresh; printed so a failure can be rerun. */
    static long seed(String test) {
        long seed = Long.getLong("ferry.test.seed", System.nanoTime());
        System.out.println(test + " seed " + seed + " (rerun with -Dferry.test.seed=" + seed + ")");
        return seed;
    }
}
