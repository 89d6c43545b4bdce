package dev.ferry.daemon;

import dev.ferry.FerryException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a file in the data directory, held while a part of the daemon runs: one store and one
 * sync agent per data directory, even across processes ({@code ferry store} and {@code ferry sync} may share one).
 */
final class DirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DirLock acquire(Path file, String what) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            ch.close();
            throw new FerryException("another Ferry " + what + " is using the data directory " + file.getParent()
                    + "; stop it or choose another data_dir");
        }
        return new DirLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
