package dev.ferry.api;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.ferry.io.Chunks;
import dev.ferry.store.AssetMetadata;
import dev.ferry.store.BlobWriter;
import dev.ferry.store.ContentHash;
import dev.ferry.store.UploadTooLargeException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.MultiPartParser;

/**
 * Reads an ingest or push request: a multipart/form-data body with one {@code file} part and text fields
 * ({@code mime_type}, {@code application}, {@code tags}, {@code user}, {@code file_name}; a push adds
 * {@code hash}, {@code created_at} and {@code updated_at}). The body is fed in large chunks to Jetty's streaming
 * multipart parser, which finds part boundaries with a Boyer-Moore-Horspool search; the file part's bytes go straight from the
 * request buffer into the {@link BlobWriter}, in whatever order the parts come, so the seed's
 * {@code -F file=@photo.jpg -F mime_type=image/jpeg} (file first) works and nothing is held in memory.
 * Any problem is an {@link ApiException} naming the field; the caller's writer is then closed, which
 * deletes the partial temp file. Not thread-safe: one per request.
 */
final class IngestForm {
    static final int MAX_FIELD_BYTES = 64 * 1024;
    /** Tags per request and per tag: an asset's metadata must fit easily in one protocol frame. */
    static final int MAX_TAGS = 64;
    static final int MAX_TAG_LENGTH = 128;
    private static final Pattern MIME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\\s*;.*)?");
    private static final Set<String> INGEST_FIELDS = Set.of("file", "mime_type", "application", "tags", "user", "file_name");
    private static final Set<String> PUSH_FIELDS = Set.of("file", "mime_type", "application", "tags", "user", "file_name",
            "hash", "created_at", "updated_at");

    private final BlobWriter writer;
    private final Set<String> allowed;
    private final Map<String, String> fields = new LinkedHashMap<>();
    private String partFileName;
    private String partContentType;
    private boolean sawFile;

    private IngestForm(BlobWriter writer, Set<String> allowed) {
        this.writer = writer;
        this.allowed = allowed;
    }

    /** Streams the request into {@code writer} and returns the parsed form; the writer stays open. */
    static IngestForm read(HttpServletRequest req, BlobWriter writer, boolean push) throws IOException {
        String boundary = boundaryOf(req.getContentType());
        IngestForm form = new IngestForm(writer, push ? PUSH_FIELDS : INGEST_FIELDS);
        Parts parts = form.new Parts();
        MultiPartParser parser = new MultiPartParser(parts, boundary);
        byte[] chunk = Chunks.take();
        InputStream in = req.getInputStream();
        try {
            while (!parser.isState(MultiPartParser.State.END)) {
                // Fill the whole chunk (or up to the end): the file part then reaches the writer in 1 MiB slices
                // that it can write and hash without gathering them first.
                int n = in.readNBytes(chunk, 0, chunk.length);
                if (n > 0) {
                    parser.parse(ByteBuffer.wrap(chunk, 0, n), false);
                    parts.rethrow();
                }
                if (n < chunk.length) {
                    parser.parse(ByteBuffer.allocate(0), true);
                    break;
                }
            }
        } catch (UploadTooLargeException e) {
            throw new ApiException(413, e.getMessage());
        } catch (IOException e) {
            // The body ended early or the client went away: nothing of this upload is kept.
            throw ApiException.badRequest("the upload was cut off before the multipart body ended (" + e.getMessage() + ")");
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw ApiException.badRequest("malformed multipart body: " + e.getMessage());
        } finally {
            Chunks.give(chunk); // the parser and the writer keep no reference to it once parse returns
        }
        parts.rethrow();
        if (!parser.isState(MultiPartParser.State.END)) {
            throw ApiException.badRequest("the upload was cut off before the multipart body ended");
        }
        if (!form.sawFile) {
            throw ApiException.badRequest("missing multipart field 'file' (curl -F file=@PATH)");
        }
        return form;
    }

    private static String boundaryOf(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw ApiException.badRequest("expected a multipart/form-data body with a 'file' part (curl -F file=@PATH -F mime_type=TYPE)");
        }
        Map<String, String> params = new HashMap<>();
        HttpField.getValueParameters(contentType, params);
        String boundary = params.get("boundary");
        if (boundary == null || boundary.isEmpty() || boundary.length() > 200) {
            throw ApiException.badRequest("the multipart/form-data Content-Type has no usable boundary parameter");
        }
        return boundary;
    }

    /**
     * Receives the parser's callbacks. A problem is recorded and parsing stops (returning true); {@link #rethrow}
     * then raises it on the request thread, because the callbacks may not throw checked exceptions.
     */
    private final class Parts implements MultiPartParser.Handler {
        private final Map<String, String> headers = new HashMap<>();
        private String name;
        private boolean isFile;
        private ByteArrayOutputStream text;
        private RuntimeException problem;
        private IOException ioProblem;

        void rethrow() throws IOException {
            if (ioProblem != null) {
                throw ioProblem;
            }
            if (problem != null) {
                throw problem;
            }
        }

        private boolean fail(RuntimeException e) {
            if (problem == null && ioProblem == null) {
                problem = e;
            }
            return true;
        }

        @Override
        public void startPart() {
            headers.clear();
            name = null;
            text = null;
        }

        @Override
        public void parsedField(String field, String value) {
            headers.put(field.toLowerCase(Locale.ROOT), value);
        }

        @Override
        public boolean headerComplete() {
            if (problem != null || ioProblem != null) {
                return true;
            }
            String disposition = headers.get("content-disposition");
            if (disposition == null) {
                return fail(ApiException.badRequest("a multipart part has no Content-Disposition header"));
            }
            Map<String, String> params = new HashMap<>();
            HttpField.getValueParameters(disposition, params);
            name = params.get("name");
            String fileName = params.get("filename");
            isFile = fileName != null;
            if (name == null || !allowed.contains(name)) {
                return fail(ApiException.badRequest("unknown multipart field '" + name + "'; expected " + new TreeSet<>(allowed)));
            }
            if (name.equals("file")) {
                if (sawFile) {
                    return fail(ApiException.badRequest("only one 'file' part per request"));
                }
                if (!isFile) {
                    return fail(ApiException.badRequest("field 'file' must be a file upload (curl -F file=@PATH), not a text value"));
                }
                sawFile = true;
                partFileName = baseName(fileName);
                partContentType = headers.get("content-type");
                return false;
            }
            if (isFile) {
                return fail(ApiException.badRequest("field '" + name + "' must be a text value, not a file"));
            }
            if (fields.containsKey(name)) {
                return fail(ApiException.badRequest("field '" + name + "' is given more than once"));
            }
            text = new ByteArrayOutputStream();
            return false;
        }

        @Override
        public boolean content(ByteBuffer buffer, boolean last) {
            if (problem != null || ioProblem != null) {
                return true;
            }
            if (name == null) {
                return false; // preamble
            }
            if (name.equals("file")) {
                try {
                    writer.write(buffer);
                } catch (IOException e) {
                    ioProblem = e;
                    return true;
                }
                return false;
            }
            if (text.size() + buffer.remaining() > MAX_FIELD_BYTES) {
                return fail(ApiException.badRequest("field '" + name + "' is longer than " + MAX_FIELD_BYTES + " bytes"));
            }
            text.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
            buffer.position(buffer.limit());
            if (last) {
                String value = text.toString(StandardCharsets.UTF_8).trim();
                if (value.isEmpty()) {
                    return fail(ApiException.badRequest("field '" + name + "' is empty; leave it out instead"));
                }
                fields.put(name, value);
            }
            return false;
        }

        @Override
        public void earlyEOF() {
            if (problem == null && ioProblem == null) {
                ioProblem = new IOException("the body ended inside a part");
            }
        }
    }

    AssetMetadata metadata() {
        String mime = fields.get("mime_type");
        if (mime != null && !MIME.matcher(mime).matches()) {
            throw ApiException.badRequest("field 'mime_type' must look like type/subtype, got '" + mime + "'");
        }
        String fallback = partContentType != null && MIME.matcher(partContentType).matches()
                ? partContentType : "application/octet-stream";
        String fileName = fields.getOrDefault("file_name", partFileName);
        return new AssetMetadata(mime, fields.get("application"), tags("field 'tags'", fields.get("tags")),
                fields.get("user"), fileName, millis("created_at"), millis("updated_at"), fallback);
    }

    /** The hash a push says its bytes have, or null for an ingest. */
    String expectedHash() {
        String h = fields.get("hash");
        if (h == null) {
            return null;
        }
        try {
            return ContentHash.parse(h);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("field 'hash': " + e.getMessage());
        }
    }

    /** A time field of a push ({@code created_at}, {@code updated_at}), or null when not given. */
    private Long millis(String field) {
        String t = fields.get(field);
        if (t == null) {
            return null;
        }
        try {
            long v = Long.parseLong(t);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.badRequest("field '" + field + "' must be milliseconds since the epoch, got '" + t + "'");
    }

    /** Tags as a JSON array ({@code ["a","b"]}) or comma-separated ({@code a,b}); {@code what} names the source in errors. */
    static List<String> tags(String what, String raw) {
        if (raw == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (raw.startsWith("[")) {
            try {
                out.addAll(Json.MAPPER.readValue(raw, new TypeReference<List<String>>() {}));
            } catch (IOException e) {
                throw ApiException.badRequest(what + " starts with '[' but is not a JSON array of strings");
            }
        } else {
            for (String t : raw.split(",")) {
                out.add(t);
            }
        }
        if (out.size() > MAX_TAGS) {
            throw ApiException.badRequest(what + " has " + out.size() + " tags; at most " + MAX_TAGS + " are allowed");
        }
        List<String> clean = new ArrayList<>();
        for (String t : out) {
            String s = t == null ? "" : t.trim();
            if (s.isEmpty()) {
                throw ApiException.badRequest(what + " contains an empty tag");
            }
            if (s.length() > MAX_TAG_LENGTH) {
                throw ApiException.badRequest(what + " contains a tag longer than " + MAX_TAG_LENGTH + " characters");
            }
            clean.add(s);
        }
        return clean;
    }

    private static String baseName(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        String n = name.replace('\\', '/');
        return n.substring(n.lastIndexOf('/') + 1);
    }
}
