package dev.ferry.testing;

/** Seeds for randomized tests. */
public final class TestSeed {
    private TestSeed() {}

    /** {@code -Dferry.test.seed} if set, else fresh; printed so a failure can be rerun. */
    public static long seed(String test) {
        long seed = Long.getLong("ferry.test.seed", System.nanoTime());
        System.out.println(test + " seed " + seed + " (rerun with -Dferry.test.seed=" + seed + ")");
        return seed;
    }
}
