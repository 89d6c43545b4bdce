package dev.ferry.api;

/**
 * One byte range of an RFC 9110 {@code Range: bytes=...} header, resolved against the content length.
 * Only single ranges are honoured; a multi-range request is answered with the whole content, which the
 * RFC allows. Inclusive {@code first} and {@code last}.
 */
record ByteRange(long first, long last) {

    long length() {
        return last - first + 1;
    }

    /**
     * @return the range, or null when the header is absent or is not a single bytes range (serve everything)
     * @throws ApiException 416 when the range lies wholly beyond the content
     */
    static ByteRange parse(String header, long size) {
        if (header == null || !header.startsWith("bytes=") || header.indexOf(',') >= 0) {
            return null;
        }
        if (size == 0) {
            throw unsatisfiable(size);
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                if (suffix <= 0) {
                    throw unsatisfiable(size);
                }
                return new ByteRange(Math.max(0, size - suffix), size - 1);
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (first < 0 || (!b.isEmpty() && Long.parseLong(b) < first)) {
                return null;
            }
            if (first >= size) {
                throw unsatisfiable(size);
            }
            return new ByteRange(first, last);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static ApiException unsatisfiable(long size) {
        return new ApiException(416, "requested range is outside the content of " + size + " bytes");
    }
}
