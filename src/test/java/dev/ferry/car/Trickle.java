package dev.ferry.car;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;

/** A stream that hands out its bytes a few at a time, as a slow network does. */
final class Trickle extends FilterInputStream {
    private final Random random;
    private final int most;

    Trickle(InputStream in, Random random, int most) {
        super(in);
        this.random = random;
        this.most = most;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, 1 + random.nextInt(most)));
    }
}
