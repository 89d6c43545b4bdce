package dev.ferry.car;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The index block, the archive's root: one DAG-CBOR map
 * <pre>
 * {"since": int, "assets": [entry...], "library": {"id": text, "name": text}, "revision": int}
 * entry = {"cid": link(raw) | null, "hash": text, "size": int, "tags": [text], "user": text | null,
 *          "deleted": bool, "file_name": text | null, "mime_type": text, "created_at": int,
 *          "application": text | null}
 * </pre>
 * Keys are written in DAG-CBOR order (shorter first, then bytewise), which is the order above. {@code cid} is
 * the raw CID of {@code hash} for a live asset and null for a tombstone, so every link in the index points at a
 * block in the archive and the archive is one complete DAG (what {@code ipfs dag import} needs to pin its root).
 * Reading requires every key above, refuses a repeated key, skips keys it does not know, and checks each
 * entry's {@code cid} against its {@code hash}. Stateless.
 */
final class IndexCodec {
    private IndexCodec() {}

    static void write(CarIndex index, OutputStream out) throws IOException {
        try (CBORGenerator g = DagCbor.FACTORY.createGenerator(out)) {
            g.writeStartObject(index, 4);
            g.writeFieldName("since");
            g.writeNumber(index.since());
            g.writeFieldName("assets");
            g.writeStartArray(index.assets(), index.assets().size());
            for (CarEntry e : index.assets()) {
                entry(g, e);
            }
            g.writeEndArray();
            g.writeFieldName("library");
            g.writeStartObject(null, 2);
            g.writeFieldName("id");
            DagCbor.text(g, index.libraryId());
            g.writeFieldName("name");
            DagCbor.text(g, index.libraryName());
            g.writeEndObject();
            g.writeFieldName("revision");
            g.writeNumber(index.revision());
            g.writeEndObject();
        }
    }

    private static void entry(CBORGenerator g, CarEntry e) throws IOException {
        g.writeStartObject(e, 10);
        g.writeFieldName("cid");
        DagCbor.nullableCid(g, e.deleted() ? null : e.cid());
        g.writeFieldName("hash");
        DagCbor.text(g, e.hash());
        g.writeFieldName("size");
        g.writeNumber(e.size());
        g.writeFieldName("tags");
        g.writeStartArray(e.tags(), e.tags().size());
        for (String tag : e.tags()) {
            DagCbor.text(g, tag);
        }
        g.writeEndArray();
        g.writeFieldName("user");
        DagCbor.nullableText(g, e.user());
        g.writeFieldName("deleted");
        g.writeBoolean(e.deleted());
        g.writeFieldName("file_name");
        DagCbor.nullableText(g, e.fileName());
        g.writeFieldName("mime_type");
        DagCbor.text(g, e.mimeType());
        g.writeFieldName("created_at");
        g.writeNumber(e.createdAt());
        g.writeFieldName("application");
        DagCbor.nullableText(g, e.application());
        g.writeEndObject();
    }

    /** Estimated heap of one decoded entry beyond its texts: the record, its tag list, the list slots. */
    static final int ENTRY_OVERHEAD = 96;

    /** The heap {@link #read} charges for decoding {@code index}, so a writer can refuse what readers would. */
    static long heap(CarIndex index) {
        long heap = text(index.libraryId()) + text(index.libraryName());
        for (CarEntry e : index.assets()) {
            heap += ENTRY_OVERHEAD + text(e.hash()) + text(e.mimeType()) + text(e.application()) + text(e.user())
                    + text(e.fileName());
            for (String tag : e.tags()) {
                heap += 8 + text(tag);
            }
        }
        return heap;
    }

    private static long text(String text) {
        return text == null ? 0 : CborIn.STRING_OVERHEAD + 2L * text.length();
    }

    /**
     * Parses one index from {@code block}, which must end where the map ends, refusing it once the decoded
     * index would take more than {@code heapBudget} bytes (estimated). Exceptions of the stream itself (a
     * truncated block, bytes not matching the CID) pass through unchanged.
     */
    static CarIndex read(InputStream block, long heapBudget) throws IOException {
        try (CBORParser parser = DagCbor.FACTORY.createParser(block)) {
            CborIn in = new CborIn(parser, "bad index", heapBudget);
            CarIndex index = index(in);
            in.end("the index map");
            return index;
        } catch (JsonProcessingException e) {
            throw CborIn.malformed("bad index", e);
        }
    }

    private static CarIndex index(CborIn in) throws IOException {
        Set<String> seen = in.beginMap("the index");
        Long since = null;
        Long revision = null;
        String id = null;
        String name = null;
        List<CarEntry> assets = null;
        for (String key; (key = in.nextKey(seen, "the index")) != null; ) {
            switch (key) {
                case "since" -> since = in.int64("since");
                case "revision" -> revision = in.int64("revision");
                case "assets" -> {
                    in.beginArray("assets");
                    assets = new ArrayList<>();
                    while (!in.endOfArray()) {
                        assets.add(entry(in, assets.size()));
                    }
                }
                case "library" -> {
                    Set<String> librarySeen = in.beginMap("library");
                    for (String k; (k = in.nextKey(librarySeen, "library")) != null; ) {
                        switch (k) {
                            case "id" -> id = in.text("library id");
                            case "name" -> name = in.text("library name");
                            default -> in.skipValue();
                        }
                    }
                    require(in, id, "library id");
                    require(in, name, "library name");
                }
                default -> in.skipValue();
            }
        }
        require(in, since, "since");
        require(in, revision, "revision");
        require(in, assets, "assets");
        require(in, id, "library");
        try {
            return new CarIndex(id, name, since, revision, assets);
        } catch (IllegalArgumentException e) {
            throw in.error(e.getMessage());
        }
    }

    private static CarEntry entry(CborIn in, int i) throws IOException {
        String what = "asset " + i;
        in.charge(ENTRY_OVERHEAD, what);
        Set<String> seen = in.beginMap(what);
        Cid cid = null;
        String hash = null;
        Long size = null;
        List<String> tags = null;
        String user = null;
        Boolean deleted = null;
        String fileName = null;
        String mimeType = null;
        Long createdAt = null;
        String application = null;
        for (String key; (key = in.nextKey(seen, what)) != null; ) {
            switch (key) {
                case "cid" -> cid = in.nullableCid(what + " cid");
                case "hash" -> hash = in.text(what + " hash");
                case "size" -> size = in.int64(what + " size");
                case "tags" -> tags = in.texts(what + " tags");
                case "user" -> user = in.nullableText(what + " user");
                case "deleted" -> deleted = in.bool(what + " deleted");
                case "file_name" -> fileName = in.nullableText(what + " file_name");
                case "mime_type" -> mimeType = in.text(what + " mime_type");
                case "created_at" -> createdAt = in.int64(what + " created_at");
                case "application" -> application = in.nullableText(what + " application");
                default -> in.skipValue();
            }
        }
        for (String key : List.of("cid", "hash", "size", "tags", "user", "deleted", "file_name", "mime_type",
                "created_at", "application")) {
            if (!seen.contains(key)) {
                throw in.error(what + " has no \"" + key + "\"");
            }
        }
        CarEntry entry;
        try {
            entry = new CarEntry(hash, size, mimeType, application, tags, user, fileName, createdAt, deleted);
        } catch (IllegalArgumentException e) {
            throw in.error(what + ": " + e.getMessage());
        }
        if (entry.deleted() ? cid != null : !entry.cid().equals(cid)) {
            throw in.error(what + " (" + entry.hash() + ") has cid " + cid + "; "
                    + (entry.deleted() ? "a deleted asset has none" : "its hash gives " + entry.cid()));
        }
        return entry;
    }

    private static void require(CborIn in, Object value, String key) throws CarFormatException {
        if (value == null) {
            throw in.error("no \"" + key + "\"");
        }
    }
}
