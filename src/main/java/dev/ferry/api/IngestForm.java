package dev.ferry.api;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.ferry.store.AssetMetadata;
import dev.ferry.store.AssetStore;
import dev.ferry.store.BlobWriter;
import dev.ferry.store.ContentHash;
import dev.ferry.store.UploadTooLargeException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.jakarta.servlet5.JakartaServletFileUpload;

/**
 * Reads an ingest or push request: a multipart/form-data body with one {@code file} part and text fields
 * ({@code mime_type}, {@code application}, {@code tags}, {@code user}, {@code file_name}; a push adds
 * {@code hash} and {@code created_at}). Parts are read in whatever order they come, the file streamed
 * straight into a {@link BlobWriter}, so the seed's {@code -F file=@photo.jpg -F mime_type=image/jpeg}
 * (file first) works and nothing is held in memory. Any problem is an {@link ApiException} naming the
 * field; the caller's writer is then closed, which deletes the partial temp file.
 */
final class IngestForm {
    static final int MAX_FIELD_BYTES = 64 * 1024;
    private static final Pattern MIME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\\s*;.*)?");
    private static final Set<String> INGEST_FIELDS = Set.of("file", "mime_type", "application", "tags", "user", "file_name");
    private static final Set<String> PUSH_FIELDS = Set.of("file", "mime_type", "application", "tags", "user", "file_name",
            "hash", "created_at");

    final BlobWriter writer;
    private final Map<String, String> fields = new LinkedHashMap<>();
    private String partFileName;
    private String partContentType;
    private boolean sawFile;

    private IngestForm(BlobWriter writer) {
        this.writer = writer;
    }

    /** Streams the request into {@code writer} and returns the parsed form; the writer stays open. */
    static IngestForm read(HttpServletRequest req, AssetStore store, BlobWriter writer, boolean push) throws IOException {
        if (!JakartaServletFileUpload.isMultipartContent(req)) {
            throw ApiException.badRequest("expected a multipart/form-data body with a 'file' part (curl -F file=@PATH -F mime_type=TYPE)");
        }
        IngestForm form = new IngestForm(writer);
        Set<String> allowed = push ? PUSH_FIELDS : INGEST_FIELDS;
        try {
            FileItemInputIterator parts = new JakartaServletFileUpload<>().getItemIterator(req);
            while (parts.hasNext()) {
                FileItemInput part = parts.next();
                String name = part.getFieldName();
                if (name == null || !allowed.contains(name)) {
                    throw ApiException.badRequest("unknown multipart field '" + name + "'; expected " + new java.util.TreeSet<>(allowed));
                }
                // Not try-with-resources: after a cut-off body the part stream's close() rethrows the very
                // exception its read threw, and suppressing an exception into itself is an error.
                InputStream in = part.getInputStream();
                try {
                    if (name.equals("file")) {
                        form.readFile(part, in);
                    } else {
                        form.readField(part, name, in);
                    }
                } finally {
                    closeQuietly(in);
                }
            }
        } catch (UploadTooLargeException e) {
            throw new ApiException(413, e.getMessage());
        } catch (FileUploadException e) {
            throw ApiException.badRequest("malformed multipart body: " + rootMessage(e));
        } catch (IOException e) {
            // The body ended early or the client went away: nothing of this upload is kept.
            throw ApiException.badRequest("the upload was cut off before the multipart body ended (" + rootMessage(e) + ")");
        }
        if (!form.sawFile) {
            throw ApiException.badRequest("missing multipart field 'file' (curl -F file=@PATH)");
        }
        return form;
    }

    private void readFile(FileItemInput part, InputStream in) throws IOException {
        if (sawFile) {
            throw ApiException.badRequest("only one 'file' part per request");
        }
        if (part.isFormField()) {
            throw ApiException.badRequest("field 'file' must be a file upload (curl -F file=@PATH), not a text value");
        }
        sawFile = true;
        partFileName = baseName(part.getName());
        partContentType = part.getContentType();
        // The multipart stream hands out small pieces; batching them into 1 MiB writes cuts the hashing calls
        // and write syscalls per GiB by a factor of a hundred.
        java.io.BufferedOutputStream batched = new java.io.BufferedOutputStream(writer, 1 << 20);
        in.transferTo(batched);
        batched.flush();
    }

    private void readField(FileItemInput part, String name, InputStream in) throws IOException {
        if (!part.isFormField()) {
            throw ApiException.badRequest("field '" + name + "' must be a text value, not a file");
        }
        if (fields.containsKey(name)) {
            throw ApiException.badRequest("field '" + name + "' is given more than once");
        }
        byte[] bytes = in.readNBytes(MAX_FIELD_BYTES + 1);
        if (bytes.length > MAX_FIELD_BYTES) {
            throw ApiException.badRequest("field '" + name + "' is longer than " + MAX_FIELD_BYTES + " bytes");
        }
        String value = new String(bytes, StandardCharsets.UTF_8).trim();
        if (value.isEmpty()) {
            throw ApiException.badRequest("field '" + name + "' is empty; leave it out instead");
        }
        fields.put(name, value);
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
                fields.get("user"), fileName, createdAt(), fallback);
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

    private Long createdAt() {
        String t = fields.get("created_at");
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
        throw ApiException.badRequest("field 'created_at' must be milliseconds since the epoch, got '" + t + "'");
    }

    /** Tags as a JSON array ({@code ["a","b"]}) or comma-separated ({@code a,b}). */
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
        List<String> clean = new ArrayList<>();
        for (String t : out) {
            String s = t == null ? "" : t.trim();
            if (s.isEmpty()) {
                throw ApiException.badRequest(what + " contains an empty tag");
            }
            clean.add(s);
        }
        return clean;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // the read that failed already says what went wrong
        }
    }

    private static String baseName(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        String n = name.replace('\\', '/');
        return n.substring(n.lastIndexOf('/') + 1);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
