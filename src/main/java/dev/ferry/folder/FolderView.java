package dev.ferry.folder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the API shows of a folder library: where it is, its counts, scan and watch state, needs, transfers. The scan
 * state is taken before the counts (see {@link FolderSync#view}), so a view showing a finished scan counts all it
 * recorded.
 */
public record FolderView(Folder folder, Applier applier, boolean scanning, long lastScanAt, long lastScanMillis,
        String error, FolderIndex.Counts counts, long needCount) {
    public Path root() {
        return folder.root();
    }

    public boolean watching() {
        return folder.watching();
    }

    public List<String> scanErrors() {
        return folder.scanErrors();
    }

    public long revision() {
        return folder.index().revision();
    }

    /** The member's revision this node has applied. */
    public long cursor(String peerId) throws IOException {
        return folder.index().cursor(peerId);
    }

    public List<FolderIndex.Need> needs() throws IOException {
        return folder.index().needs(Long.MAX_VALUE, 1000);
    }

    public List<Transfer> transfers() {
        return applier == null ? List.of() : applier.transfers();
    }

    public List<FileEntry> conflicts() throws IOException {
        return folder.index().conflicts();
    }

    public List<KeptVersion> versions() throws IOException {
        return folder.versions().list();
    }

    public String restore(String version) throws IOException {
        return folder.versions().restore(version);
    }

    public void rescan() {
        folder.requestFullScan();
    }
}
