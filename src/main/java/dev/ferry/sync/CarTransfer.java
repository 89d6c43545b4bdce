package dev.ferry.sync;

import dev.ferry.car.CarEntry;
import dev.ferry.car.CarIndex;
import dev.ferry.car.CarReader;
import dev.ferry.car.CarWriter;
import dev.ferry.library.Entry;
import dev.ferry.library.Library;
import dev.ferry.library.LibraryStore;
import dev.ferry.store.Asset;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A library (or what changed in it since a revision) as one CARv1 archive, in both directions: the bulk catch-up
 * of the repository-sync exchange (p2pds-repo-sync.txt), {@code ferry export} and {@code ferry import} all use it.
 * Export streams blobs straight from the store; import pushes each block into the store, which verifies its hash
 * before anything becomes visible, so a bad archive leaves nothing half-ingested. Thread-safe (stateless).
 */
public final class CarTransfer {
    /** One asset is one raw block, so the block limit is the store's own upload limit (64 GiB by default). */
    public static final long MAX_BLOCK = 64L << 30;
    private final LibraryStore libraries;
    private final StoreAccess store;

    CarTransfer(LibraryStore libraries, StoreAccess store) {
        this.libraries = libraries;
        this.store = store;
    }

    /** Writes the library's entries changed after {@code since} (live ones with their bytes) as a CAR. */
    public void export(Library library, long since, OutputStream out) throws IOException {
        List<Entry> entries = new ArrayList<>();
        long after = since;
        while (true) {
            List<Entry> page = libraries.changesSince(library.id(), after, SyncEngine.PAGE);
            entries.addAll(page);
            if (page.size() < SyncEngine.PAGE) {
                break;
            }
            after = page.get(page.size() - 1).rev();
        }
        long revision = entries.isEmpty() ? libraries.get(library.id()).map(Library::revision).orElse(since)
                : entries.get(entries.size() - 1).rev();
        List<CarEntry> assets = new ArrayList<>();
        for (Entry e : entries) {
            assets.add(new CarEntry(e.hash(), e.size(), e.mimeType(), e.application(), e.tags(), e.user(), e.fileName(),
                    e.createdAt(), e.deleted()));
        }
        CarWriter w = new CarWriter(out, MAX_BLOCK);
        w.writeIndex(new CarIndex(library.id(), library.name(), since, revision, assets));
        for (CarEntry e : assets) {
            if (!e.deleted()) {
                try (InputStream in = store.open(e.hash())) {
                    w.writeBlock(e.hash(), e.size(), in);
                }
            }
        }
        w.close();
    }

    /** What an import did. */
    public record Imported(String libraryId, long revision, int added, int present, int deleted, List<Entry> entries) {}

    /**
     * Reads a CAR and stores every asset it carries that is not here yet, metadata preserved, each verified against
     * its hash. Deleted entries are reported, not applied: the caller decides (a peer's tombstone, or nothing for a
     * file import).
     */
    public Imported importCar(InputStream in, String expectedLibrary, java.util.function.Predicate<Entry> wanted)
            throws IOException {
        CarReader r = new CarReader(in, MAX_BLOCK);
        CarIndex index = r.readIndex();
        if (expectedLibrary != null && !expectedLibrary.equals(index.libraryId())) {
            throw new dev.ferry.car.CarFormatException("the archive is of library " + index.libraryId() + ", not " + expectedLibrary);
        }
        int added = 0;
        int present = 0;
        int deleted = 0;
        List<Entry> entries = new ArrayList<>();
        for (CarEntry c : index.assets()) {
            entries.add(new Entry(c.hash(), c.size(), c.mimeType(), c.application(), c.tags(), c.user(), c.fileName(),
                    c.createdAt(), c.deleted(), 0, 0));
        }
        int i = 0;
        for (CarReader.Block b; (b = r.next()) != null; ) {
            while (entries.get(i).deleted()) {
                i++;
            }
            Entry e = entries.get(i++);
            Optional<Asset> local = store.get(e.hash());
            if (local.isPresent() && !local.get().deleted() || !wanted.test(e)) {
                present++; // next() skips and still verifies the unread block
                continue;
            }
            // An archive carries no change times: the copy is dated when it arrives, as an ingest is (the entry's 0
            // would make it older than any delete).
            store.push(e.withChangedAt(System.currentTimeMillis()), b.data());
            added++;
        }
        for (Entry e : entries) {
            if (e.deleted()) {
                deleted++;
            }
        }
        return new Imported(index.libraryId(), index.revision(), added, present, deleted, entries);
    }
}
