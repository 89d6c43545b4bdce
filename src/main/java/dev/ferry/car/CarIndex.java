package dev.ferry.car;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What an archive holds: a library's id and name, the revision range it covers ({@code since}, exclusive, to
 * {@code revision}; 0 for a full export), and one entry per asset in the order their blocks follow. Each hash
 * appears at most once. Encoded as the archive's root DAG-CBOR block. Immutable; {@code assets} is copied.
 */
public record CarIndex(String libraryId, String libraryName, long since, long revision, List<CarEntry> assets) {

    public CarIndex {
        Check.text("library id", libraryId);
        Check.text("name of library " + libraryId, libraryName);
        Check.nonNegative("since of library " + libraryId, since);
        Check.nonNegative("revision of library " + libraryId, revision);
        if (assets == null) {
            throw new IllegalArgumentException("the asset list of library " + libraryId + " is missing");
        }
        try {
            assets = List.copyOf(assets);
        } catch (NullPointerException e) {
            throw new IllegalArgumentException("the asset list of library " + libraryId + " has a null entry");
        }
        Set<String> seen = new HashSet<>();
        for (CarEntry e : assets) {
            if (!seen.add(e.hash())) {
                throw new IllegalArgumentException("asset " + e.hash() + " appears twice in the index of library "
                        + libraryId);
            }
        }
    }

    /** The entries that have a block, in archive order. */
    public List<CarEntry> live() {
        return assets.stream().filter(e -> !e.deleted()).toList();
    }
}
