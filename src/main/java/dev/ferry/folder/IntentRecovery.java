package dev.ferry.folder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The intent log at start: every multi-step change a killed process left half done is finished or undone. */
final class IntentRecovery {
    private static final Logger log = LoggerFactory.getLogger(IntentRecovery.class);

    private IntentRecovery() {}

    /**
     * Completes or rolls back what a killed process left in flight, so every file is wholly old or wholly new: a
     * replacement whose old content was moved aside but whose new one was not yet renamed into place is finished;
     * one that never moved the old content is undone (its temp file stays for the next attempt to reuse). The scan
     * that follows records whatever the disk now holds.
     */
    static void run(Folder f) throws IOException {
        for (FolderIndex.Intent i : f.index().intents()) {
            Path target = f.root().resolve(i.path());
            boolean targetThere = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
            switch (i.kind()) {
                case "replace", "conflict" -> {
                    Path tmp = i.temp() == null ? null : f.root().resolve(i.temp());
                    if (!targetThere && tmp != null && Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                        log.info("folder {}: finished replacing {} after a crash", f.id(), i.path());
                    } else if (!targetThere && i.aside() != null && Files.exists(f.root().resolve(i.aside()), LinkOption.NOFOLLOW_LINKS)) {
                        Files.move(f.root().resolve(i.aside()), target, StandardCopyOption.ATOMIC_MOVE);
                        log.info("folder {}: put back the old {} after a crash", f.id(), i.path());
                    }
                }
                case "rename" -> {
                    Path from = f.root().resolve(i.temp());
                    if (!targetThere && !Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                        log.warn("folder {}: rename {} -> {} left neither name after a crash", f.id(), i.temp(), i.path());
                    }
                }
                default -> {
                    // "delete": the file is either still there or in the version store; both are whole
                }
            }
            f.index().endIntent(i.id());
        }
    }
}
